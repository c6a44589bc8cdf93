// vidscribe caption VIDEO...: timestamped captions of the events in each video (ZeroTA, method.md).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "caption/pipeline.h"
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
  std::string decoding = "greedy"; // --decoding: greedy or topk
  caption::PipelineOptions pipeline;
};

nlohmann::json options_json(const CaptionCliOptions& o) {
  const caption::CaptionOptions& m = o.pipeline.method;
  return {
      {"preset", o.preset},
      {"fps", o.pipeline.frames.sampling.fps},
      {"max_frames", o.pipeline.frames.sampling.max_frames},
      {"window", o.pipeline.window_s},
      {"whole", o.pipeline.whole},
      {"events", m.events},
      {"min_events", m.min_events},
      {"max_events", m.max_events},
      {"min_segment", m.min_segment_s},
      {"prompt", m.prompt},
      {"prefix_length", m.n_prefix},
      {"candidates", m.n_candidates},
      {"clip_temperature", m.clip_temperature},
      {"lambda_vision", m.lambda_vision},
      {"lambda_fluency", m.lambda_fluency},
      {"lambda_iou", m.lambda_iou},
      {"steps", m.n_steps},
      {"lr_prefix", m.lr_prefix},
      {"lr_mask", m.lr_mask},
      {"fusion", m.fusion},
      {"repetition_penalty", m.repetition_penalty},
      {"no_repeat_ngram", m.no_repeat_ngram},
      {"decoding", o.decoding},
      {"top_k", m.top_k},
      {"max_tokens", m.max_tokens},
      {"min_tokens", m.min_tokens},
      {"rounds", m.rounds},
      {"seed", m.seed},
  };
}

void run_caption(CaptionCliOptions o) {
  exporter::Format format = exporter::Format::kJson;
  if (!o.format.empty()) {
    format = exporter::parse_format(o.format);
  } else if (auto f = exporter::format_from_extension(o.output)) {
    format = *f;
  }
  o.pipeline.method.decoding = o.decoding == "topk" ? caption::Decoding::kTopK : caption::Decoding::kGreedy;
  caption::validate(o.pipeline.method);

  const models::Preset* preset = models::find_preset(o.preset);
  if (preset == nullptr) throw Error(ErrorCode::kInvalidArgument, "--preset " + o.preset + ": expected paper or fast");
  const fs::path cache = o.models_cache;
  const fs::path clip_dir = models::resolve_model(o.clip.empty() ? preset->clip : o.clip, cache);
  const fs::path lm_dir = models::resolve_model(o.lm.empty() ? preset->gpt2 : o.lm, cache);
  if (!o.no_cache) {
    o.pipeline.frames.cache_dir = o.frame_cache.empty() ? caption::default_frame_cache_dir() : fs::path(o.frame_cache);
    fs::create_directories(o.pipeline.frames.cache_dir);
  }

  caption::Captioner captioner(clip_dir, lm_dir, nn::parse_device(global_options().device));
  const std::string options = options_json(o).dump();
  std::vector<VideoCaptions> results;
  for (const std::string& video : o.videos) {
    if (o.videos.size() > 1) util::debug("captioning " + video);
    VideoCaptions r = captioner.caption(video, o.pipeline);
    r.options_json = options;
    results.push_back(std::move(r));
  }
  exporter::write_output(o.output, format, results);
}

Runner setup_caption(CLI::App& app) {
  auto o = std::make_shared<CaptionCliOptions>();
  caption::CaptionOptions& m = o->pipeline.method;
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

  const char* vid = "Video (method.md section 1)";
  sub->add_option("--fps", o->pipeline.frames.sampling.fps, "Frames per second of video")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(vid);
  sub->add_option("--max-frames", o->pipeline.frames.sampling.max_frames,
                  "At most this many frames per window, evenly spread")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(vid);
  sub->add_option("--window", o->pipeline.window_s, "Longer videos are captioned window by window (seconds)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(vid);
  sub->add_flag("--whole", o->pipeline.whole, "One caption for the whole clip (one fixed mask)")->group(vid);
  sub->add_option("--frame-cache", o->frame_cache,
                  "Frame-embedding cache folder (default $VIDSCRIBE_FRAME_CACHE, $XDG_CACHE_HOME/vidscribe/frames "
                  "or ~/.cache/vidscribe/frames)")
      ->group(vid);
  sub->add_flag("--no-cache", o->no_cache, "Neither read nor write frame embeddings")->group(vid);

  const char* ev = "Events (method.md sections 2, 6)";
  sub->add_option("--events", m.events, "Number of events; 0 = from the video's structure")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(ev);
  sub->add_option("--min-events", m.min_events, "Fewest events chosen automatically")->capture_default_str()->group(ev);
  sub->add_option("--max-events", m.max_events, "Most events chosen automatically")->capture_default_str()->group(ev);
  sub->add_option("--min-segment", m.min_segment_s, "Shortest segment of the structure (seconds)")
      ->capture_default_str()
      ->group(ev);

  const char* txt = "Text (method.md sections 3, 4)";
  sub->add_option("--prompt", m.prompt, "Hard prompt before each caption")->capture_default_str()->group(txt);
  sub->add_option("--prefix-length", m.n_prefix, "Learned soft-prompt embeddings per event")
      ->capture_default_str()
      ->group(txt);
  sub->add_option("--candidates", m.n_candidates, "Candidate tokens scored by CLIP per token")
      ->capture_default_str()
      ->group(txt);
  sub->add_option("--max-tokens", m.max_tokens, "Longest caption (tokens)")->capture_default_str()->group(txt);
  sub->add_option("--min-tokens", m.min_tokens, "Shortest caption (tokens)")->capture_default_str()->group(txt);
  sub->add_option("--rounds", m.rounds, "Captions generated per event; the best CLIP score is kept")
      ->capture_default_str()
      ->group(txt);
  sub->add_option("--decoding", o->decoding, "greedy or topk")
      ->capture_default_str()
      ->check(CLI::IsMember({"greedy", "topk"}))
      ->group(txt);
  sub->add_option("--top-k", m.top_k, "k of --decoding topk")->capture_default_str()->group(txt);
  sub->add_option("--repetition-penalty", m.repetition_penalty, "Penalty on recently generated tokens")
      ->capture_default_str()
      ->group(txt);
  sub->add_option("--no-repeat-ngram", m.no_repeat_ngram, "No n-gram of this size repeats (0 = off)")
      ->capture_default_str()
      ->group(txt);
  sub->add_option("--fusion", m.fusion, "Weight of the prefixed LM in p^w q^(1-w)")->capture_default_str()->group(txt);

  const char* opt = "Optimisation (method.md section 4)";
  sub->add_option("--steps", m.n_steps, "Adam steps per token")->capture_default_str()->group(opt);
  sub->add_option("--lr-prefix", m.lr_prefix, "Learning rate of the soft prompts and W")
      ->capture_default_str()
      ->group(opt);
  sub->add_option("--lr-mask", m.lr_mask, "Learning rate of the moment masks")->capture_default_str()->group(opt);
  sub->add_option("--lambda-vision", m.lambda_vision, "Weight of the vision loss")->capture_default_str()->group(opt);
  sub->add_option("--lambda-fluency", m.lambda_fluency, "Weight of the fluency loss")
      ->capture_default_str()
      ->group(opt);
  sub->add_option("--lambda-iou", m.lambda_iou, "Weight of the pairwise temporal IoU loss")
      ->capture_default_str()
      ->group(opt);
  sub->add_option("--clip-temperature", m.clip_temperature, "Temperature of the CLIP softmax over candidates")
      ->capture_default_str()
      ->group(opt);
  sub->add_option("--seed", m.seed, "Seed of everything random; same seed and input, same output")
      ->capture_default_str()
      ->group(opt);
  return [o] { run_caption(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(10, setup_caption);

}  // namespace vidscribe::cli
