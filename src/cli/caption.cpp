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
  std::string preset = "paper";    // --preset: paper (default) or fast
  std::string clip;                // --clip: CLIP folder or model name (default: the preset's)
  std::string lm;                  // --lm: GPT-2 folder or model name (default: the preset's)
  std::string models_cache;        // --models-cache: Hugging Face hub cache holding named models
  std::string frame_cache;         // --frame-cache: default caption::default_frame_cache_dir()
  bool no_cache = false;           // --no-cache: neither read nor write frame embeddings
  CaptionOptions options;          // every video and method option (caption/option_table.h)
};

void run_caption(const CaptionCliOptions& o) {
  const std::string format = !o.format.empty() ? o.format : output_format_for(o.output);
  check_options(o.options);  // before the models load
  install_interrupt_handlers();

  ContextParams cp;
  cp.preset = o.preset;
  cp.clip = o.clip;
  cp.lm = o.lm;
  cp.models_cache = o.models_cache;
  cp.device = global_options().device;
  cp.threads = global_options().threads;
  Context context(cp);

  CaptionParams params;
  params.options = o.options;
  params.frame_cache = o.frame_cache;
  params.use_frame_cache = !o.no_cache;
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

  const char* mdl = "Models";
  sub->add_option("--preset", o->preset, "paper: CLIP ViT-L/14 + GPT-2 medium; fast: CLIP ViT-B/32 + GPT-2")
      ->capture_default_str()
      ->check(CLI::IsMember({"paper", "fast"}))
      ->group(mdl);
  sub->add_option("--clip", o->clip, "CLIP model folder or name (default: the preset's)")->group(mdl);
  sub->add_option("--lm", o->lm, "GPT-2 model folder or name (default: the preset's)")->group(mdl);
  sub->add_option("--models-cache", o->models_cache,
                  "Hugging Face hub cache with named models (default $VIDSCRIBE_CACHE, $HF_HUB_CACHE, "
                  "$HF_HOME/hub or ~/.cache/huggingface/hub)")
      ->group(mdl);

  const char* cache = "Frame cache";
  sub->add_option("--frame-cache", o->frame_cache,
                  "Frame-embedding cache folder (default $VIDSCRIBE_FRAME_CACHE, $XDG_CACHE_HOME/vidscribe/frames "
                  "or ~/.cache/vidscribe/frames)")
      ->group(cache);
  sub->add_flag("--no-cache", o->no_cache, "Neither read nor write frame embeddings")->group(cache);

  add_caption_options(*sub, o->options);
  return [o] { run_caption(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(10, setup_caption);

}  // namespace vidscribe::cli
