#include "cli/caption_options.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>

#include "cli/command.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::cli {

void add_caption_options(CLI::App& app, CaptionOptions& options) {
  for (const OptionInfo& o : caption_options()) {
    const auto name = std::make_shared<const std::string>(o.name);
    if (o.type == "bool") {
      const bool on = o.default_value == "true";
      app.add_flag_function(
             "--" + o.name, [&options, name](std::int64_t) { set_option(options, *name, "true"); },
             o.help + (on ? " (default: on)" : " (default: off)"))
          ->group(o.group);
      app.add_flag_function(
             "--no-" + o.name, [&options, name](std::int64_t) { set_option(options, *name, "false"); },
             "Turns --" + o.name + " off")
          ->group(o.group);
      continue;
    }
    std::string help = o.help;
    if (!o.range.empty() && o.type != "choice") help += " (" + o.range + ")";
    const nlohmann::json value = nlohmann::json::parse(o.default_value);  // a string's quotes are not typed
    const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    app.add_option_function<std::string>(
           "--" + o.name, [&options, name](const std::string& word) { set_option(options, *name, word); }, help)
        ->default_str(shown)
        ->type_name(o.type == "choice" ? "{" + o.range.substr(7) + "}"
                    : o.type == "text"  ? "TEXT"
                    : o.type == "float" ? "FLOAT"
                                        : "INT")
        ->group(o.group);
  }
}

void add_model_options(CLI::App& app, ModelCliOptions& o) {
  const char* mdl = "Models";
  app.add_option("--preset", o.preset, "paper: CLIP ViT-L/14 + GPT-2 medium; fast: CLIP ViT-B/32 + GPT-2")
      ->capture_default_str()
      ->check(CLI::IsMember({"paper", "fast"}))
      ->group(mdl);
  app.add_option("--clip", o.clip, "CLIP model folder or name (default: the preset's)")->group(mdl);
  app.add_option("--lm", o.lm, "GPT-2 model folder or name (default: the preset's)")->group(mdl);
  app.add_option("--models-cache", o.models_cache,
                 "Hugging Face hub cache with named models (default $VIDSCRIBE_CACHE, $HF_HUB_CACHE, "
                 "$HF_HOME/hub or ~/.cache/huggingface/hub)")
      ->group(mdl);

  const char* cache = "Frame cache";
  app.add_option("--frame-cache", o.frame_cache,
                 "Frame-embedding cache folder (default $VIDSCRIBE_FRAME_CACHE, $XDG_CACHE_HOME/vidscribe/frames "
                 "or ~/.cache/vidscribe/frames)")
      ->group(cache);
  app.add_flag("--no-cache", o.no_cache, "Neither read nor write frame embeddings")->group(cache);
}

ContextParams context_params(const ModelCliOptions& models) {
  ContextParams cp;
  cp.preset = models.preset;
  cp.clip = models.clip;
  cp.lm = models.lm;
  cp.models_cache = models.models_cache;
  cp.device = global_options().device;
  cp.threads = global_options().threads;
  return cp;
}

CaptionParams caption_params(const ModelCliOptions& models, const CaptionOptions& options) {
  CaptionParams params;
  params.options = options;
  params.frame_cache = models.frame_cache;
  params.use_frame_cache = !models.no_cache;
  return params;
}

}  // namespace vidscribe::cli
