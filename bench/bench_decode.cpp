// Decode-and-sample throughput of the media stage against the ffmpeg tool, in the same run: a 10-minute
// 720p H.264 video (made here with ffmpeg, kept for later runs) sampled at 1 fps, (a) by
// media::sample_frames (frames as RGB), (b) the same plus CLIP preprocessing, (c) by
// `ffmpeg -i V -vf fps=1 -f rawvideo -y /dev/null`. Prints one JSON object per measurement: repetitions,
// median and spread of the seconds per run, and frames per second.
//
// Usage: bench_decode [--reps N] [--video PATH] [--minutes M] [--threads N]
//   (default: 3 repetitions; the video is made at $TMPDIR/vidscribe-bench/testsrc2_720p_<M>min.mp4, M = 10;
//    threads 0 = FFmpeg's choice, as the ffmpeg tool makes it)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "media/preprocess.h"
#include "media/probe.h"
#include "media/sampler.h"
#include "options.h"

namespace {
namespace fs = std::filesystem;
using namespace vidscribe::media;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `fn` `reps` times (after one warm-up that also fills the page cache); prints median/min/max.
void measure(const std::string& name, int reps, const std::function<int64_t()>& fn) {
  int64_t frames = fn();
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    frames = fn();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf(
      "{\"name\": \"%s\", \"repetitions\": %d, \"median_s\": %.3f, \"min_s\": %.3f, \"max_s\": %.3f, "
      "\"spread_pct\": %.1f, \"frames\": %lld, \"frames_per_s\": %.1f}\n",
      name.c_str(), reps, median, seconds.front(), seconds.back(), 100.0 * (seconds.back() - seconds.front()) / median,
      static_cast<long long>(frames), static_cast<double>(frames) / median);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3;
  int minutes = 10;
  int threads = 0;
  std::string video;
  const char* usage = "Usage: bench_decode [--reps N] [--video PATH] [--minutes M] [--threads N]";
  for (const auto& [key, value] :
       vidscribe::bench::parse_options(argc, argv, usage, {"--reps", "--video", "--minutes", "--threads"})) {
    if (key == "--reps") reps = std::max(1, std::atoi(value.c_str()));
    if (key == "--video") video = value;
    if (key == "--minutes") minutes = std::max(1, std::atoi(value.c_str()));
    if (key == "--threads") threads = std::atoi(value.c_str());
  }
  if (video.empty()) {
    fs::path dir = fs::temp_directory_path() / "vidscribe-bench";
    fs::create_directories(dir);
    fs::path path = dir / ("testsrc2_720p_" + std::to_string(minutes) + "min.mp4");
    if (!fs::exists(path)) {
      std::fprintf(stderr, "making %s with ffmpeg (once)...\n", path.c_str());
      fs::path tmp = path.string() + ".part.mp4";
      std::string cmd = "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=1280x720:r=25:d=" +
                        std::to_string(minutes * 60) + " -c:v libx264 -preset veryfast -pix_fmt yuv420p " +
                        quote(tmp.string());
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "ffmpeg failed: %s\n", cmd.c_str());
        return 1;
      }
      fs::rename(tmp, path);
    }
    video = path.string();
  }
  VideoInfo info = probe(video);
  std::fprintf(stderr, "%s: %dx%d %s, %.1f s at %.2f fps\n", video.c_str(), info.width, info.height,
               info.codec.c_str(), info.duration_s, info.fps);

  SamplingOptions sampling;
  sampling.fps = 1;
  sampling.max_frames = 1 << 30;  // every second, however long
  sampling.threads = threads;

  measure("vidscribe sample_frames 1 fps (RGB frames)", reps, [&] {
    SampleStats s = sample_frames(video, sampling, [](Frame&&) {});
    return s.n_frames;
  });
  measure("vidscribe sample_frames 1 fps + CLIP preprocess 224", reps, [&] {
    SampleStats s = sample_frames(video, sampling, [](Frame&& f) { preprocess_clip(f.image); });
    return s.n_frames;
  });
  const std::string cmd = "ffmpeg -nostdin -v error -i " + quote(video) + " -vf fps=1 -f rawvideo -y /dev/null";
  std::fprintf(stderr, "ffmpeg baseline: %s\n", cmd.c_str());
  const auto expected = static_cast<int64_t>(std::ceil(info.duration_s - 1e-9));
  measure("ffmpeg -vf fps=1 -f rawvideo (same video)", reps, [&] {
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "ffmpeg failed\n");
    return expected;
  });
  return 0;
}
