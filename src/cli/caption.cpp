// vidscribe caption VIDEO...: timestamped captions of the events in each video (ZeroTA, method.md), made and
// written through the public API (vidscribe/vidscribe.h).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/caption_options.h"
#include "cli/command.h"
#include "cli/terminal.h"
#include "util/log.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::cli {
namespace {

struct CaptionCliOptions {
  std::vector<std::string> videos;
  std::string output = "-";        // -o: file, or "-" for standard output (default)
  std::string format;              // --format: json|anet|srt|vtt|chapters|ffmetadata|txt (default: from -o, else json)
  ModelCliOptions models;          // --preset, --clip, --lm, --models-cache, --frame-cache, --no-cache
  CaptionOptions options;          // every video and method option (caption/option_table.h)
};

void run_caption(const CaptionCliOptions& o) {
  const std::string format = !o.format.empty() ? o.format : output_format_for(o.output);
  check_options(o.options);  // before the models load
  install_interrupt_handlers();

  Context context(context_params(o.models));
  const CaptionParams params = caption_params(o.models, o.options);
  std::vector<VideoCaptions> results;
  for (const std::string& video : o.videos) {
    if (o.videos.size() > 1) util::info("captioning " + video);
    results.push_back(context.caption_file(video, params));
  }
  write_captions(o.output, format.empty() ? "json" : format, results);
}

Runner setup_caption(CLI::App& app) {
  auto o = std::make_shared<CaptionCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "caption", "Timestamped captions of the events in each video (joint text and moment optimisation, ZeroTA)");
  sub->add_option("videos", o->videos, "Video files")->required()->check(CLI::ExistingPath);

  const char* out = "Output";
  sub->add_option("-o,--output", o->output, "Output file, or - for standard output")->capture_default_str()->group(out);
  sub->add_option("--format", o->format,
                  "json, anet (ActivityNet submission), srt, vtt, chapters (YouTube), ffmetadata or txt "
                  "(default: from the output's extension, else json)")
      ->check(CLI::IsMember(output_formats()))
      ->group(out);

  add_model_options(*sub, o->models);
  add_caption_options(*sub, o->options);
  return [o] { run_caption(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(10, setup_caption);

}  // namespace vidscribe::cli
