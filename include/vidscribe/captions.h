// The result of captioning one video: timestamped events. Plain data, shared by the captioner and the writers.
#pragma once

#include <string>
#include <vector>

namespace vidscribe {

struct Event {
  double start_s = 0;    // seconds from the start of the video, 0 <= start_s <= end_s <= duration_s
  double end_s = 0;
  std::string caption;   // one sentence, UTF-8
  double score = 0;      // cos(CLIP text(caption), moment embedding), method.md section 5
};

struct VideoCaptions {
  std::string video;          // the input path as given
  std::string video_id;       // for the ActivityNet format: file name without extension unless set
  double duration_s = 0;
  std::vector<Event> events;  // sorted by start_s
  std::string model_json;     // JSON object describing the models used (names, folders), "{}" if none
  std::string options_json;   // JSON object of the options that produced this result, "{}" if none
};

}  // namespace vidscribe
