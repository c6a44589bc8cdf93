// vidscribe probe VIDEO [--json]: what a video holds (duration, frame rate, size, rotation, codec, streams).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "media/probe.h"

namespace vidscribe::cli {
namespace {

struct ProbeOptions {
  std::string video;  // the file to inspect
  bool json = false;  // --json: one JSON object instead of text (default off)
};

void run_probe(const ProbeOptions& o) {
  media::VideoInfo info = media::probe(o.video);
  if (o.json) {
    std::cout << media::to_json(info) << std::endl;
    return;
  }
  std::printf("file:       %s\n", info.path.c_str());
  std::printf("container:  %s, %d stream%s (video is #%d)\n", info.container.c_str(), info.n_streams,
              info.n_streams == 1 ? "" : "s", info.video_stream);
  std::printf("codec:      %s, %s\n", info.codec.c_str(), info.pixel_format.c_str());
  std::printf("size:       %dx%d", info.width, info.height);
  if (info.rotation_cw != 0) std::printf(" (stored %dx%d, rotated %d deg clockwise)", info.coded_width,
                                         info.coded_height, info.rotation_cw);
  std::printf("\n");
  std::printf("frame rate: %.3f fps%s\n", info.fps, info.variable_fps ? " (variable)" : "");
  std::printf("duration:   %.3f s (from %s), starts at %.3f s\n", info.duration_s, info.duration_source.c_str(),
              info.start_s);
  if (info.n_frames > 0) std::printf("frames:     %lld\n", static_cast<long long>(info.n_frames));
}

Runner setup_probe(CLI::App& app) {
  auto o = std::make_shared<ProbeOptions>();
  CLI::App* sub = app.add_subcommand("probe", "Show a video's duration, frame rate, size, rotation and codec");
  sub->add_option("video", o->video, "Video file")->required();
  sub->add_flag("--json", o->json, "Print one JSON object instead of text");
  return [o] { run_probe(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(10, setup_probe);

}  // namespace vidscribe::cli
