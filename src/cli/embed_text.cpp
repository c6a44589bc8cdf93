// vidscribe embed-text --clip DIR TEXT...: CLIP text embeddings as JSON.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <iostream>

#include "cli/command.h"
#include "nn/models/clip.h"
#include "nn/runtime.h"

namespace vidscribe::cli {
namespace {

struct EmbedTextOptions {
  std::string clip_dir;            // --clip: a CLIPModel folder (config.json, model.safetensors, vocab...)
  std::vector<std::string> texts;  // the texts, each embedded on its own
  bool normalize = false;          // --normalize: L2-normalise (default off: projected, as CLIP returns them)
};

void run_embed_text(const EmbedTextOptions& o) {
  nn::set_threads(global_options().threads);
  const torch::Device device = nn::parse_device(global_options().device);
  nn::LoadedClip clip = nn::load_clip(o.clip_dir, device);
  const int64_t context = clip.config.text.max_position_embeddings;
  torch::Tensor ids = torch::zeros({static_cast<int64_t>(o.texts.size()), context}, torch::kLong);
  for (size_t i = 0; i < o.texts.size(); ++i) {
    std::vector<int64_t> row = clip.tokenizer.encode_for_model(o.texts[i], context);
    ids[static_cast<int64_t>(i)].narrow(0, 0, static_cast<int64_t>(row.size()))
        .copy_(torch::tensor(row, torch::kLong));
  }
  torch::NoGradGuard no_grad;
  torch::Tensor embeds = clip.model->encode_text(ids.to(device));  // [N, P]
  if (o.normalize) embeds = embeds / embeds.norm(2, -1, true);
  embeds = embeds.to(torch::kCPU).contiguous();
  nlohmann::json out = {{"model", o.clip_dir}, {"dim", embeds.size(1)}, {"normalized", o.normalize}};
  out["embeddings"] = nlohmann::json::array();
  for (size_t i = 0; i < o.texts.size(); ++i) {
    const float* row = embeds[static_cast<int64_t>(i)].data_ptr<float>();
    out["embeddings"].push_back({{"text", o.texts[i]}, {"vector", std::vector<float>(row, row + embeds.size(1))}});
  }
  std::cout << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

Runner setup_embed_text(CLI::App& app) {
  auto o = std::make_shared<EmbedTextOptions>();
  CLI::App* sub = app.add_subcommand("embed-text", "Print CLIP text embeddings as JSON");
  sub->add_option("--clip", o->clip_dir, "CLIP model folder (Hugging Face layout)")->required()->check(
      CLI::ExistingDirectory);
  sub->add_option("texts", o->texts, "Texts to embed")->required();
  sub->add_flag("--normalize", o->normalize, "L2-normalise the vectors (default: as projected)");
  return [o] { run_embed_text(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(60, setup_embed_text);

}  // namespace vidscribe::cli
