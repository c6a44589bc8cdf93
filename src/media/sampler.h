// Frame sampling: decode a video into upright RGB frames taken at chosen times, with their true times.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "media/image.h"
#include "media/probe.h"

namespace vidscribe::media {

// How frames are chosen (method.md section 1).
struct SamplingOptions {
  double fps = 1.0;       // --fps: frames per second of video wanted (> 0)
  int max_frames = 256;   // --max-frames: if fps x duration exceeds this, take this many evenly spread
  int threads = 0;        // decoder threads; 0 = FFmpeg's choice (all cores)
  int64_t max_pixels = kDefaultMaxPixels;  // larger declared sizes are refused
  // When not empty: exactly these times (seconds, increasing, clamped to the video) instead of fps and
  // max_frames; a thumbnail is the frame nearest one time.
  std::vector<double> times;
};

// The times (seconds from the video's start) at which frames are wanted: k / fps for k = 0, 1, ... below the
// duration, or, when that gives more than max_frames, max_frames times k * duration / max_frames.
// At least one time (0) for any video. Explicit `times` are returned clamped to [0, duration].
// Throws kInvalidArgument for fps <= 0, max_frames < 1, or times that are not finite and increasing.
std::vector<double> plan_sample_times(double duration_s, const SamplingOptions& options);

// One sampled frame.
struct Frame {
  double time_s = 0;  // true presentation time of this frame, seconds from the video's start
  int64_t index = 0;  // position in the sampled sequence (0, 1, ...)
  RgbImage image;     // upright
};

// What sampling did: for tests, benchmarks and verbose logs.
struct SampleStats {
  double duration_s = 0;      // of the video, as probed
  int64_t n_wanted = 0;       // planned times
  int64_t n_frames = 0;       // frames delivered
  int64_t n_decoded = 0;      // pictures the decoder produced (including those not kept)
  int64_t n_seeks = 0;        // jumps to a keyframe instead of decoding through
  int64_t n_bad_packets = 0;  // packets the decoder rejected (damaged data)
  bool truncated = false;     // the file ended early; frames up to that point were kept (warned once)
};

// Called with each frame in time order. Frame times strictly increase: when the frame nearest to two
// wanted times is the same picture (a still section in a variable-rate video), it is delivered once.
using FrameCallback = std::function<void(Frame&& frame)>;

// Decodes `source` and calls `on_frame` with the frame nearest to each wanted time. Sparse samples (a keyframe
// lies between the current position and the next wanted time) are reached by seeking; dense ones by
// decoding straight through. A damaged or truncated file keeps the frames that decoded and warns once.
// `on_planned(n)` (optional) is told how many frames to expect, before the first frame.
// Throws like probe(), and kUnsupportedMedia when no frame at all can be decoded.
SampleStats sample_frames(const Source& source, const SamplingOptions& options,
                          const FrameCallback& on_frame,
                          const std::function<void(int64_t n_planned)>& on_planned = {});

// Convenience: all sampled frames in a vector.
std::vector<Frame> sample_frames(const Source& source, const SamplingOptions& options,
                                 SampleStats* stats = nullptr);

}  // namespace vidscribe::media
