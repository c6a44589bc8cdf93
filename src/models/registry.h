// The models vidscribe knows by name: which Hugging Face repository holds each, the files the model stack
// reads from it, and the presets that pair a CLIP with a GPT-2.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vidscribe::models {

enum class ModelKind { kClip, kGpt2 };

struct ModelInfo {
  std::string name;                // vidscribe's name, e.g. "clip-vit-l-14"
  std::string repo_id;             // Hugging Face repository, e.g. "openai/clip-vit-large-patch14"
  ModelKind kind;
  std::vector<std::string> files;  // exactly what the loaders read from the snapshot folder
  std::string description;
  // The same repository under another name that other tools may have cached it by (the hub renamed gpt2 to
  // openai-community/gpt2 and redirects the old name). resolve_model() looks there too.
  std::vector<std::string> other_repo_ids = {};
};

// Every known model, in a stable order (CLIPs first, small to large).
const std::vector<ModelInfo>& known_models();
// nullptr if `name` is not a known model name.
const ModelInfo* find_model(std::string_view name);
// "clip-vit-b-32, clip-vit-b-16, ..." for messages.
std::string known_model_names();

struct Preset {
  std::string name;  // "paper", "fast"
  std::string clip;  // a known model name of kind kClip
  std::string gpt2;  // a known model name of kind kGpt2
  std::string description;
};

// The preset used when none is given: the paper's setting (method.md), CLIP ViT-L/14 + GPT-2 medium.
inline constexpr std::string_view kDefaultPreset = "paper";

const std::vector<Preset>& presets();
// nullptr if `name` is not a preset.
const Preset* find_preset(std::string_view name);

// Expands model and preset names into the models they mean, without duplicates, in first-seen order.
// An empty list means the default preset. Throws Error(kInvalidArgument) naming an unknown name and the
// known ones.
std::vector<const ModelInfo*> expand_model_names(const std::vector<std::string>& names);

}  // namespace vidscribe::models
