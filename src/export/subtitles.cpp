#include <algorithm>
#include <numeric>

#include "export/text.h"
#include "export/writers.h"

namespace vidscribe::exporter {
namespace {

// Event indices in order of start time (ties keep their order): players expect cues in that order and WebVTT
// requires it.
std::vector<size_t> by_start(const VideoCaptions& video) {
  std::vector<size_t> order(video.events.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return video.events[a].start_s < video.events[b].start_s; });
  return order;
}

// SubRip has no escapes; a text line holding "-->" could be taken for a timing line, so the arrow is shortened.
std::string srt_text(const std::string& caption) {
  std::string text = one_line(caption);
  for (size_t pos; (pos = text.find("-->")) != std::string::npos;) text.replace(pos, 3, "->");
  return text;
}

}  // namespace

std::string render_srt(const VideoCaptions& video) {
  std::string out;
  int index = 0;
  for (size_t i : by_start(video)) {
    const Event& e = video.events[i];
    std::string text = srt_text(e.caption);
    if (text.empty()) continue;  // a cue without text would end at its own blank line
    out += std::to_string(++index) + "\n";
    out += clock_ms(to_ms(e.start_s), ',') + " --> " + clock_ms(to_ms(e.end_s), ',') + "\n";
    out += text + "\n\n";
  }
  return out;
}

std::string render_vtt(const VideoCaptions& video) {
  std::string out = "WEBVTT\n";
  for (size_t i : by_start(video)) {
    const Event& e = video.events[i];
    std::string text = escape_vtt(one_line(e.caption));
    if (text.empty()) continue;
    out += "\n" + clock_ms(to_ms(e.start_s), '.') + " --> " + clock_ms(to_ms(e.end_s), '.') + "\n";
    out += text + "\n";
  }
  return out;
}

std::string render_txt(const std::vector<VideoCaptions>& videos) {
  std::string out;
  for (size_t v = 0; v < videos.size(); ++v) {
    const VideoCaptions& video = videos[v];
    if (videos.size() > 1) out += std::string(v == 0 ? "" : "\n") + "# " + one_line(video.video) + "\n";
    for (size_t i : by_start(video)) {
      const Event& e = video.events[i];
      out += "[" + clock_ms(to_ms(e.start_s), '.') + " - " + clock_ms(to_ms(e.end_s), '.') + "] " +
             one_line(e.caption) + "\n";
    }
  }
  return out;
}

}  // namespace vidscribe::exporter
