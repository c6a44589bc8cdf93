// What a video file holds: duration, frame rate, size, rotation, codec — without decoding pictures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "media/source.h"

namespace vidscribe::media {

// Refuse videos whose declared picture is larger than this many pixels (a hostile or broken header
// would otherwise make us allocate gigabytes per frame). 100 Mpx admits 8K and 16K x 6K panoramas.
inline constexpr int64_t kDefaultMaxPixels = 100'000'000;

struct ProbeOptions {
  int64_t max_pixels = kDefaultMaxPixels;  // larger declared sizes throw kUnsupportedMedia
};

struct VideoInfo {
  std::string path;
  std::string container;       // FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;           // e.g. "h264", "vp9", "gif"
  std::string pixel_format;    // e.g. "yuv420p", "yuv420p10le", "yuv444p"
  int n_streams = 0;           // all streams in the file (video, audio, subtitles, data)
  int video_stream = -1;       // index of the stream we decode
  int coded_width = 0;         // as stored, before rotation
  int coded_height = 0;
  int width = 0;               // as displayed: after rotation
  int height = 0;
  int rotation_cw = 0;         // clockwise degrees the picture is turned for display (0/90/180/270)
  double fps = 0;              // average frame rate; 0 when unknown
  bool variable_fps = false;   // frame intervals differ (measured on the first packets)
  double start_s = 0;          // presentation time of the first frame in the container's clock
  double duration_s = 0;       // of the video stream; from the container, the stream or the packets
  std::string duration_source; // "stream", "container" or "packets" (scanned because none was declared)
  double container_duration_s = 0;  // what the container header declares (0 = nothing), for comparison
  bool truncated = false;      // the packets end well before the declared duration: the file was cut short
  int64_t n_frames = 0;        // declared or counted frame count; 0 when unknown
  bool is_still_image = false; // an image format (png, jpeg...) rather than a video
};

// Reads the headers (and, for frame-rate variability or a missing duration, the packets) of `source`, a file
// or bytes in memory. Throws kNotFound (missing), kIo (directory, unreadable), kUnsupportedMedia (empty, not a video
// FFmpeg can read, no video stream, declared size above options.max_pixels).
VideoInfo probe(const Source& source, const ProbeOptions& options = {});

// The info as a JSON object (one line), for `vidscribe probe --json`.
std::string to_json(const VideoInfo& info);

}  // namespace vidscribe::media
