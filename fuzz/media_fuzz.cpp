// The media stage on a file held in memory, read through FFmpeg's custom I/O (media::Source::memory): probe,
// frame sampling with its seeks, RGB conversion and CLIP preprocessing. FFmpeg's demuxers and decoders are
// not instrumented (Debian's builds); what is fuzzed is how vidscribe drives them and every value it takes
// from them: sizes, times, durations, pixel formats, rotations.
#include "harness.h"
#include "media/preprocess.h"
#include "media/probe.h"
#include "media/sampler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vidscribe;
  const auto source = media::Source::memory(std::string_view(reinterpret_cast<const char*>(data), size), "input");
  // Small limits keep one input to milliseconds; the code paths are those of full-size videos.
  constexpr int64_t kMaxPixels = 1 << 20;
  media::SamplingOptions sampling;
  sampling.fps = 2;
  sampling.max_frames = 6;
  sampling.threads = 1;
  sampling.max_pixels = kMaxPixels;
  media::ClipPreprocessOptions pre;
  pre.resize_short_side = 24;
  pre.crop_size = 16;
  fuzz::run([&] {
    media::probe(source, media::ProbeOptions{kMaxPixels});
    media::sample_frames(source, sampling, [&](media::Frame&& f) { media::preprocess_clip(f.image, pre); });
  });
  return 0;
}
