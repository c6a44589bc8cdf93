// CLIP (Hugging Face CLIPModel layout, ViT vision tower) on libtorch: batched image and text embeddings, and
// the shared-prefix text encoding of method.md section 7.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "nn/models/common.h"
#include "text/clip_tokenizer.h"

namespace vidscribe::nn {

// One tower of a CLIPConfig; defaults are HF's (text: CLIPTextConfig, vision: CLIPVisionConfig).
struct ClipTowerConfig {
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_attention_heads = 0;
  int64_t num_hidden_layers = 12;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";
  // Text tower only.
  int64_t vocab_size = 49408;
  int64_t max_position_embeddings = 77;
  // Vision tower only.
  int64_t image_size = 224;
  int64_t patch_size = 32;
  int64_t num_channels = 3;
};

// config.json of a CLIPModel repository (openai/clip-vit-base-patch32, -patch16, -large-patch14, ...).
struct ClipConfig {
  ClipTowerConfig text = {512, 2048, 8};     // hidden, intermediate, heads; HF CLIPTextConfig defaults
  ClipTowerConfig vision = {768, 3072, 12};  // HF CLIPVisionConfig defaults (ViT-B/32)
  int64_t projection_dim = 512;

  // Throws kNotFound if absent, kCorruptModel (naming the file) if it is not a CLIP config with a ViT tower.
  static ClipConfig from_json(const std::filesystem::path& path);
};

// preprocessor_config.json: how frames become pixels (media/ applies it).
struct ClipPreprocessConfig {
  int64_t image_size = 224;     // centre-crop side, px
  int64_t shortest_edge = 224;  // the short side is resized to this first, px
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};

  static ClipPreprocessConfig from_json(const std::filesystem::path& path);
};

// Keys and values of shared text prefixes, per layer: [P, H, L0, Dh] (from encode_text_prefix), one row per
// prefix; rows shorter than L0 are padded at the end (causal attention keeps the padding out of their
// positions, and tails name how many positions of their row they continue).
struct ClipTextPrefix {
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
  // The prefix of its first n tokens (views, no copy): causal attention makes them equal to
  // encode_text_prefix of those tokens alone. REQUIRES: 1 <= n <= length().
  ClipTextPrefix first(int64_t n) const {
    ClipTextPrefix out;
    for (const auto& k : keys) out.keys.push_back(k.narrow(2, 0, n));
    for (const auto& v : values) out.values.push_back(v.narrow(2, 0, n));
    return out;
  }
};

class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(int64_t hidden, int64_t heads);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t heads() const { return heads_; }

 private:
  int64_t heads_;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(int64_t hidden, int64_t intermediate, detail::Activation act);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  detail::Activation act_;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  ClipEncoderLayerImpl(const ClipTowerConfig& config, detail::Activation act);

  // One pre-norm transformer layer over the positions of x, optionally attending to a shared prefix too.
  // x: [B, T, C]; prefix_keys/values: [P, H, L0, Dh] or undefined - every sequence may attend to the
  // positions of all P prefixes, laid out one after the other, and the mask chooses which; query_rows:
  // undefined (every row is computed) or [B] int64 (only that row of each sequence is computed, e.g. the
  // pooled one); mask: additive, broadcastable to [B, H, Tq, P * L0 + T]. Returns [B, Tq, C].
  // When `keys_out`/`values_out` are given they receive this layer's own keys and values [B, H, T, Dh].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& prefix_keys, const torch::Tensor& prefix_values,
                        const torch::Tensor& query_rows, const torch::Tensor& mask,
                        torch::Tensor* keys_out = nullptr, torch::Tensor* values_out = nullptr);

  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  ClipAttention self_attn{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  ClipEncoderImpl(const ClipTowerConfig& config);
  torch::nn::ModuleList layers{nullptr};
  std::vector<ClipEncoderLayer> list;
};
TORCH_MODULE(ClipEncoder);

class ClipVisionEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipVisionEmbeddingsImpl(const ClipTowerConfig& config);
  torch::Tensor forward(const torch::Tensor& pixels);  // [B, 3, S, S] -> [B, 1 + (S/P)^2, C]
  torch::Tensor class_embedding;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipVisionEmbeddings);

class ClipVisionTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipVisionTransformerImpl(const ClipTowerConfig& config);
  torch::Tensor forward(const torch::Tensor& pixels);  // [B, 3, S, S] -> pooled class token [B, C]
  ClipVisionEmbeddings embeddings{nullptr};
  torch::nn::LayerNorm pre_layrnorm{nullptr};  // sic: the checkpoint key
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};

 private:
  ClipTowerConfig config_;
};
TORCH_MODULE(ClipVisionTransformer);

class ClipTextEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipTextEmbeddingsImpl(const ClipTowerConfig& config);
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(ClipTextEmbeddings);

class ClipTextTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipTextTransformerImpl(const ClipTowerConfig& config);
  // Per-layer keys/values of ids [P, L0] int64.
  ClipTextPrefix prefix(const torch::Tensor& ids);
  // tails [N, Lt] int64, tail i after the first shared[i] positions of prefix row prefix_rows[i] (prefix may
  // be empty: then shared is all 0), lengths [N] -> final-layer-normed end-token rows [N, C].
  torch::Tensor pooled(const ClipTextPrefix& prefix, const torch::Tensor& tails, const torch::Tensor& lengths,
                       const torch::Tensor& prefix_rows, const torch::Tensor& shared);
  ClipTextEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};

 private:
  ClipTowerConfig config_;
};
TORCH_MODULE(ClipTextTransformer);

// The whole CLIPModel. Parameter names are the checkpoint keys (text_model.*, vision_model.*,
// visual_projection.weight, text_projection.weight, logit_scale). Frozen after loading; every method is
// safe to call from several threads at once. Callers that need no gradient wrap calls in NoGradGuard.
class ClipModelImpl : public torch::nn::Module {
 public:
  explicit ClipModelImpl(const ClipConfig& config);

  // pixels: [B, 3, S, S] float (model dtype), normalised, S = vision image_size -> [B, P] projected, not
  // normalised. Throws kInvalidArgument on other shapes.
  torch::Tensor encode_image(const torch::Tensor& pixels);

  // ids: [B, L] int64, each row start token ... end token, padded with 0 after it (L <= 77) -> [B, P]
  // projected, not normalised. Pools at the highest token id of each row (the end token), as the real
  // openai configs (legacy eos_token_id 2) do. Only positions up to the last end token are computed.
  torch::Tensor encode_text(const torch::Tensor& ids);

  // ids: [L0] int64, or [P, L0] for P prefixes right-padded to the longest, each starting with the start
  // token -> keys/values of those shared prefixes (method.md s7).
  ClipTextPrefix encode_text_prefix(const torch::Tensor& ids);

  // tails: [N, Lt] int64 right-padded; lengths: [N] int64, tail i ends with the end token at lengths[i]-1.
  // Tail i continues the first shared[i] tokens of prefix row prefix_rows[i] ([N] int64 each; undefined:
  // row 0 and all L0 tokens) -> [N, P], equal (float rounding) to encode_text of those prefix tokens ++ tail_i.
  // All tails of all prefixes run as one batch; only the end token's row is computed in the last layer.
  // Throws kInvalidArgument for rows, shared lengths or positions out of range (max_position_embeddings).
  torch::Tensor encode_text_tails(const ClipTextPrefix& prefix, const torch::Tensor& tails,
                                  const torch::Tensor& lengths, const torch::Tensor& prefix_rows = {},
                                  const torch::Tensor& shared = {});

  // exp(logit_scale) * cos(image_i, text_j): image_embeds [I, P], text_embeds [T, P] -> [I, T].
  torch::Tensor logits_per_image(const torch::Tensor& image_embeds, const torch::Tensor& text_embeds);

  const ClipConfig& config() const { return config_; }

  ClipTextTransformer text_model{nullptr};
  ClipVisionTransformer vision_model{nullptr};
  torch::nn::Linear visual_projection{nullptr}, text_projection{nullptr};
  torch::Tensor logit_scale;

 private:
  ClipConfig config_;
};
TORCH_MODULE(ClipModel);

// Loads model.safetensors of a CLIPModel folder into a frozen model on `device`. position_ids buffers are
// tolerated; F16/BF16 weights become float32. Throws kNotFound (missing folder/file) or kCorruptModel
// (naming the file and the tensor: missing, mis-shaped or unknown weights).
ClipModel load_clip_model(const std::filesystem::path& dir, const ClipConfig& config, torch::Device device);

// A CLIP folder as the Hugging Face repositories ship it, ready to use.
struct LoadedClip {
  ClipModel model{nullptr};
  ClipConfig config;
  ClipPreprocessConfig preprocess;
  text::ClipTokenizer tokenizer;
};

// Loads config.json, preprocessor_config.json, model.safetensors, vocab.json and merges.txt from `dir`.
// Checks every file is there before reading any (kNotFound names the first missing one); other errors as
// load_clip_model and the tokenizer's.
LoadedClip load_clip(const std::filesystem::path& dir, torch::Device device);

}  // namespace vidscribe::nn
