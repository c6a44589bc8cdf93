// vidscribe embed-image --clip DIR IMAGE...: CLIP image embeddings as JSON, images read and preprocessed by
// the media stage exactly as video frames are.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <iostream>

#include "cli/command.h"
#include "media/image.h"
#include "media/preprocess.h"
#include "nn/models/clip.h"
#include "nn/runtime.h"

namespace vidscribe::cli {
namespace {

struct EmbedImageOptions {
  std::string clip_dir;             // --clip: a CLIPModel folder
  std::vector<std::string> images;  // image files (anything FFmpeg decodes)
  bool normalize = false;           // --normalize: L2-normalise (default off)
};

void run_embed_image(const EmbedImageOptions& o) {
  nn::set_threads(global_options().threads);
  const torch::Device device = nn::parse_device(global_options().device);
  nn::LoadedClip clip = nn::load_clip(o.clip_dir, device);
  media::ClipPreprocessOptions pre;
  pre.resize_short_side = clip.preprocess.shortest_edge;
  pre.crop_size = clip.preprocess.image_size;
  pre.mean = clip.preprocess.mean;
  pre.std = clip.preprocess.std;
  std::vector<torch::Tensor> pixels;
  for (const auto& path : o.images) {
    media::ImageTensor t = media::preprocess_clip(media::read_image(path), pre);
    pixels.push_back(torch::from_blob(t.data.data(), {t.channels, t.height, t.width}, torch::kFloat32).clone());
  }
  torch::NoGradGuard no_grad;
  torch::Tensor embeds = clip.model->encode_image(torch::stack(pixels).to(device));  // [N, P]
  if (o.normalize) embeds = embeds / embeds.norm(2, -1, true);
  embeds = embeds.to(torch::kCPU).contiguous();
  nlohmann::json out = {{"model", o.clip_dir}, {"dim", embeds.size(1)}, {"normalized", o.normalize}};
  out["embeddings"] = nlohmann::json::array();
  for (size_t i = 0; i < o.images.size(); ++i) {
    const float* row = embeds[static_cast<int64_t>(i)].data_ptr<float>();
    out["embeddings"].push_back({{"image", o.images[i]}, {"vector", std::vector<float>(row, row + embeds.size(1))}});
  }
  std::cout << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

Runner setup_embed_image(CLI::App& app) {
  auto o = std::make_shared<EmbedImageOptions>();
  CLI::App* sub = app.add_subcommand("embed-image", "Print CLIP image embeddings as JSON");
  sub->add_option("--clip", o->clip_dir, "CLIP model folder (Hugging Face layout)")->required()->check(
      CLI::ExistingDirectory);
  sub->add_option("images", o->images, "Image files")->required()->check(CLI::ExistingFile);
  sub->add_flag("--normalize", o->normalize, "L2-normalise the vectors (default: as projected)");
  return [o] { run_embed_image(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(61, setup_embed_image);

}  // namespace vidscribe::cli
