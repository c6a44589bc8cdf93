// Adds every captioning option of the one option table (vidscribe::caption_options(), generated from
// caption/option_table.h) to a subcommand, so that `caption`, `batch` and every other command that captions
// take the same flags with the same defaults.
#pragma once

#include <string>

#include "vidscribe/vidscribe.h"

namespace CLI {
class App;
}

namespace vidscribe::cli {

// Adds --fps, --events, ... (one flag per table entry, grouped, each with its default and range in --help)
// writing into `options`, which must outlive parsing. Values are checked as they are parsed: a bad one
// stops parsing with vidscribe::Error(kInvalidArgument) naming the flag. Boolean options take --name and
// --no-name.
void add_caption_options(CLI::App& app, CaptionOptions& options);

// The models and the frame cache, as every captioning command takes them.
struct ModelCliOptions {
  std::string preset = "paper";  // --preset: paper (default) or fast
  std::string clip;              // --clip: CLIP folder or model name (default: the preset's)
  std::string lm;                // --lm: GPT-2 folder or model name (default: the preset's)
  std::string models_cache;      // --models-cache: Hugging Face hub cache holding named models
  std::string frame_cache;       // --frame-cache: default caption::default_frame_cache_dir()
  bool no_cache = false;         // --no-cache: neither read nor write frame embeddings
};

// Adds --preset, --clip, --lm, --models-cache (group "Models") and --frame-cache, --no-cache
// ("Frame cache") writing into `options`, which must outlive parsing.
void add_model_options(CLI::App& app, ModelCliOptions& options);

// The context and call parameters they stand for, with the global --device and --threads.
ContextParams context_params(const ModelCliOptions& models);
CaptionParams caption_params(const ModelCliOptions& models, const CaptionOptions& options);

}  // namespace vidscribe::cli
