// vidscribe frames VIDEO --out DIR: writes the sampled frames as PNG files named by their time, to look at
// what the captioner sees.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "media/sampler.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {
namespace fs = std::filesystem;

struct FramesOptions {
  std::string video;         // the file to sample
  std::string out_dir;       // --out: folder for the PNG files (created if missing)
  double fps = 1.0;          // --fps: frames per second of video (default 1)
  int max_frames = 256;      // --max-frames: evenly spread instead when fps x duration exceeds it (default 256)
};

// frame_000012.500.png: seconds with millisecond precision, zero-padded so names sort by time.
std::string frame_name(double time_s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "frame_%010.3f.png", time_s);
  return buf;
}

void run_frames(const FramesOptions& o) {
  fs::path out(o.out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    throw Error(ErrorCode::kIo, "cannot create the output folder " + out.string() + ": " + ec.message());
  }
  media::SamplingOptions sampling;
  sampling.fps = o.fps;
  sampling.max_frames = o.max_frames;
  sampling.threads = global_options().threads;
  std::unique_ptr<util::Progress> progress;
  media::SampleStats stats = media::sample_frames(
      o.video, sampling,
      [&](media::Frame&& f) {
        media::write_png(f.image, out / frame_name(f.time_s));
        if (progress) progress->advance();
      },
      [&](int64_t n) { progress = std::make_unique<util::Progress>("frames", n); });
  progress.reset();
  std::cout << "wrote " << stats.n_frames << " frames to " << out.string() << std::endl;
}

Runner setup_frames(CLI::App& app) {
  auto o = std::make_shared<FramesOptions>();
  CLI::App* sub = app.add_subcommand("frames", "Write the sampled frames of a video as PNG files named by time");
  sub->add_option("video", o->video, "Video file")->required();
  sub->add_option("--out", o->out_dir, "Folder for the PNG files (created if missing)")->required();
  sub->add_option("--fps", o->fps, "Frames per second of video")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--max-frames", o->max_frames, "At most this many frames, evenly spread")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return [o] { run_frames(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(12, setup_frames);

}  // namespace vidscribe::cli
