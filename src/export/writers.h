// One renderer per output format; export.cpp picks one. Each REQUIRES check_times() to have passed.
#pragma once

#include <string>
#include <vector>

#include "vidscribe/captions.h"

namespace vidscribe::exporter {

// json_writer.cpp
std::string render_json(const std::vector<VideoCaptions>& videos);
std::string render_anet(const std::vector<VideoCaptions>& videos);
std::string anet_video_id(const VideoCaptions& video);  // video_id, or the file name of `video` without extension

// subtitles.cpp
std::string render_srt(const VideoCaptions& video);
std::string render_vtt(const VideoCaptions& video);
std::string render_txt(const std::vector<VideoCaptions>& videos);

// chapter_writers.cpp
std::string render_youtube_chapters(const VideoCaptions& video);
std::string render_ffmetadata(const VideoCaptions& video);
// The chapters of render_ffmetadata as WebVTT cues, for a player's <track kind="chapters">.
std::string render_vtt_chapters(const VideoCaptions& video);

}  // namespace vidscribe::exporter
