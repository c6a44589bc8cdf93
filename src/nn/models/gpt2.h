// GPT-2 (Hugging Face GPT2LMHeadModel layout) on libtorch: next-token logits from ids or input embeddings,
// with a key/value cache for incremental decoding and gradients to the input embeddings.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "nn/models/common.h"
#include "text/gpt2_tokenizer.h"

namespace vidscribe::nn {

// config.json of a GPT2LMHeadModel repository (gpt2, gpt2-medium, gpt2-large, gpt2-xl); defaults are HF's.
struct Gpt2Config {
  int64_t vocab_size = 50257;
  int64_t n_positions = 1024;
  int64_t n_embd = 768;
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_inner = 0;  // MLP width; 0 (config null) means 4 * n_embd
  double layer_norm_epsilon = 1e-5;
  std::string activation_function = "gelu_new";

  // Throws kNotFound if absent, kCorruptModel if it is not a GPT-2 config (naming the file) or inconsistent.
  static Gpt2Config from_json(const std::filesystem::path& path);
};

// Keys and values of the positions seen so far, per layer: [B, H, T, Dh]. Empty before the first call.
// When the inputs of a forward require grad, the cached tensors are part of that graph.
struct KvCache {
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
};

// GPT-2's Conv1D: y = x W + b with W stored [in, out].
class Gpt2Conv1DImpl : public torch::nn::Module {
 public:
  Gpt2Conv1DImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);  // [..., in] -> [..., out]
  torch::Tensor weight, bias;
};
TORCH_MODULE(Gpt2Conv1D);

class Gpt2AttentionImpl : public torch::nn::Module {
 public:
  Gpt2AttentionImpl(const Gpt2Config& config);
  // x: [B, T, C] (already layer-normed); `past_keys/past_values` [B, H, P, Dh] or undefined; on return they
  // hold [B, H, P+T, Dh]. Returns [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values);
  Gpt2Conv1D c_attn{nullptr}, c_proj{nullptr};

 private:
  int64_t n_head_;
};
TORCH_MODULE(Gpt2Attention);

class Gpt2MlpImpl : public torch::nn::Module {
 public:
  Gpt2MlpImpl(const Gpt2Config& config, detail::Activation act);
  torch::Tensor forward(const torch::Tensor& x);
  Gpt2Conv1D c_fc{nullptr}, c_proj{nullptr};

 private:
  detail::Activation act_;
};
TORCH_MODULE(Gpt2Mlp);

class Gpt2BlockImpl : public torch::nn::Module {
 public:
  Gpt2BlockImpl(const Gpt2Config& config, detail::Activation act);
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values);
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Gpt2Attention attn{nullptr};
  Gpt2Mlp mlp{nullptr};
};
TORCH_MODULE(Gpt2Block);

// The transformer with its tied LM head. Parameter names are the checkpoint keys: wte.weight, wpe.weight,
// h.N.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,mlp.c_proj}.{weight,bias}, ln_f.{weight,bias}.
// Thread safety: forward calls may run concurrently (each with its own cache); the weights are read only.
class Gpt2Impl : public torch::nn::Module {
 public:
  explicit Gpt2Impl(const Gpt2Config& config);

  // ids: [B, T] int64 -> [B, T, C] token embeddings (wte only, no positions).
  torch::Tensor embed(const torch::Tensor& ids);

  // inputs_embeds: [B, T, C] float (model dtype) -> logits [B, T, V]. Positions start at cache->length()
  // when a cache is given; the new keys/values are appended to it. Gradients flow to inputs_embeds.
  // Throws kInvalidArgument when the positions would exceed n_positions.
  torch::Tensor forward(const torch::Tensor& inputs_embeds, KvCache* cache = nullptr);
  torch::Tensor forward_ids(const torch::Tensor& ids, KvCache* cache = nullptr);

  // The same forward without the LM head: [B, T, C] after ln_f. Callers that need the logits of a few
  // positions only apply lm_head() to those rows (the head is the largest matmul of the model).
  torch::Tensor hidden_states(const torch::Tensor& inputs_embeds, KvCache* cache = nullptr);
  // hidden: [..., C] -> logits [..., V] (tied to wte).
  torch::Tensor lm_head(const torch::Tensor& hidden);

  const Gpt2Config& config() const { return config_; }

  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};

 private:
  Gpt2Config config_;
  std::vector<Gpt2Block> blocks_;
};
TORCH_MODULE(Gpt2);

// Loads model.safetensors of a GPT2LMHeadModel folder into a frozen model on `device`. Keys may carry the
// "transformer." prefix; attn.bias / attn.masked_bias buffers and a tied lm_head.weight are tolerated;
// F16/BF16 weights become float32. Throws kNotFound (missing folder/file) or kCorruptModel (naming the file
// and the tensor: missing, mis-shaped or unknown weights).
Gpt2 load_gpt2_model(const std::filesystem::path& dir, const Gpt2Config& config, torch::Device device);

// A GPT-2 folder as the Hugging Face repositories ship it, ready to use.
struct LoadedGpt2 {
  Gpt2 model{nullptr};
  Gpt2Config config;
  text::Gpt2Tokenizer tokenizer;
};

// Loads config.json, model.safetensors, vocab.json and merges.txt from `dir`. Checks every file is there
// before reading any (kNotFound names the first missing one); kCorruptModel when the tokenizer's vocabulary
// does not fit the model's vocab_size.
LoadedGpt2 load_gpt2(const std::filesystem::path& dir, torch::Device device);

}  // namespace vidscribe::nn
