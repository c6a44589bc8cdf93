#include "models/registry.h"

#include "vidscribe/error.h"

namespace vidscribe::models {
namespace {
// CLIP needs the two configs, the weights and the BPE tables of its text tower; GPT-2 has no preprocessor.
std::vector<std::string> clip_files() {
  return {"config.json", "model.safetensors", "preprocessor_config.json", "vocab.json", "merges.txt"};
}
std::vector<std::string> gpt2_files() {
  return {"config.json", "model.safetensors", "vocab.json", "merges.txt"};
}
}  // namespace

const std::vector<ModelInfo>& known_models() {
  static const std::vector<ModelInfo> models = {
      {"clip-vit-b-32", "openai/clip-vit-base-patch32", ModelKind::kClip, clip_files(),
       "CLIP ViT-B/32, 151M parameters, 512-d embeddings"},
      {"clip-vit-b-16", "openai/clip-vit-base-patch16", ModelKind::kClip, clip_files(),
       "CLIP ViT-B/16, 150M parameters, 512-d embeddings"},
      {"clip-vit-l-14", "openai/clip-vit-large-patch14", ModelKind::kClip, clip_files(),
       "CLIP ViT-L/14, 428M parameters, 768-d embeddings"},
      {"gpt2", "gpt2", ModelKind::kGpt2, gpt2_files(), "GPT-2 small, 124M parameters",
       {"openai-community/gpt2"}},
      {"gpt2-medium", "gpt2-medium", ModelKind::kGpt2, gpt2_files(), "GPT-2 medium, 355M parameters",
       {"openai-community/gpt2-medium"}},
      {"gpt2-large", "gpt2-large", ModelKind::kGpt2, gpt2_files(), "GPT-2 large, 774M parameters",
       {"openai-community/gpt2-large"}},
  };
  return models;
}

const ModelInfo* find_model(std::string_view name) {
  for (const ModelInfo& m : known_models()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string known_model_names() {
  std::string out;
  for (const ModelInfo& m : known_models()) {
    if (!out.empty()) out += ", ";
    out += m.name;
  }
  return out;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = {
      {"paper", "clip-vit-l-14", "gpt2-medium", "the paper's setting: best captions, slowest"},
      {"fast", "clip-vit-b-32", "gpt2", "small models: much faster, weaker captions"},
  };
  return table;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& p : presets()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<const ModelInfo*> expand_model_names(const std::vector<std::string>& names) {
  std::vector<std::string> wanted = names;
  if (wanted.empty()) wanted.emplace_back(kDefaultPreset);
  std::vector<const ModelInfo*> out;
  auto add = [&out](const ModelInfo* m) {
    for (const ModelInfo* seen : out) {
      if (seen == m) return;
    }
    out.push_back(m);
  };
  for (const std::string& name : wanted) {
    if (const Preset* p = find_preset(name)) {
      add(find_model(p->clip));
      add(find_model(p->gpt2));
    } else if (const ModelInfo* m = find_model(name)) {
      add(m);
    } else {
      std::string preset_names;
      for (const Preset& p : presets()) preset_names += (preset_names.empty() ? "" : ", ") + p.name;
      throw Error(ErrorCode::kInvalidArgument, "unknown model or preset '" + name + "' (models: " +
                                                   known_model_names() + "; presets: " + preset_names + ")");
    }
  }
  return out;
}

}  // namespace vidscribe::models
