// vidscribe caption VIDEO...: timestamped captions of the events in each video (ZeroTA, method.md).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "caption/option_table.h"
#include "caption/pipeline.h"
#include "cli/caption_options.h"
#include "cli/command.h"
#include "export/export.h"
#include "models/cache.h"
#include "models/registry.h"
#include "nn/runtime.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {
namespace fs = std::filesystem;

struct CaptionCliOptions {
  std::vector<std::string> videos;
  std::string output = "-";        // -o: file, or "-" for standard output (default)
  std::string format;              // --format: json|anet|srt|vtt|chapters|ffmetadata|txt (default: from -o, else json)
  std::string preset = std::string(models::kDefaultPreset);  // --preset: paper (default) or fast
  std::string clip;                // --clip: CLIP folder or model name (default: the preset's)
  std::string lm;                  // --lm: GPT-2 folder or model name (default: the preset's)
  std::string models_cache;        // --models-cache: Hugging Face hub cache holding named models
  std::string frame_cache;         // --frame-cache: default caption::default_frame_cache_dir()
  bool no_cache = false;           // --no-cache: neither read nor write frame embeddings
  CaptionOptions options;          // every video and method option (caption/option_table.h)
};

void run_caption(CaptionCliOptions o) {
  exporter::Format format = exporter::Format::kJson;
  if (!o.format.empty()) {
    format = exporter::parse_format(o.format);
  } else if (auto f = exporter::format_from_extension(o.output)) {
    format = *f;
  }
  caption::validate(o.options);

  const models::Preset* preset = models::find_preset(o.preset);
  if (preset == nullptr) throw Error(ErrorCode::kInvalidArgument, "--preset " + o.preset + ": expected paper or fast");
  const fs::path cache = o.models_cache;
  const fs::path clip_dir = models::resolve_model(o.clip.empty() ? preset->clip : o.clip, cache);
  const fs::path lm_dir = models::resolve_model(o.lm.empty() ? preset->gpt2 : o.lm, cache);
  caption::PipelineOptions pipeline;
  pipeline.options = o.options;
  if (!o.no_cache) {
    pipeline.cache_dir = o.frame_cache.empty() ? caption::default_frame_cache_dir() : fs::path(o.frame_cache);
  }

  caption::Captioner captioner(clip_dir, lm_dir, nn::parse_device(global_options().device));
  nlohmann::json record = caption::options_record(o.options);
  record["preset"] = o.preset;
  const std::string options = record.dump();
  std::vector<VideoCaptions> results;
  for (const std::string& video : o.videos) {
    if (o.videos.size() > 1) util::debug("captioning " + video);
    VideoCaptions r = captioner.caption(video, pipeline);
    r.options_json = options;
    results.push_back(std::move(r));
  }
  exporter::write_output(o.output, format, results);
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
      ->check(CLI::IsMember(exporter::format_names()))
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
