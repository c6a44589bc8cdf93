#include "nn/models/gpt2.h"

#include <torch/torch.h>

#include <cmath>

#include "nn/safetensors.h"
#include "nn/weights.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace fs = std::filesystem;
using detail::json_value;

Gpt2Config Gpt2Config::from_json(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw Error(ErrorCode::kNotFound, "GPT-2 config " + path.string() + " not found");
  nlohmann::json json = detail::read_json_object(path);
  const std::string type = json_value<std::string>(json, "model_type", "", path);
  if (type != "gpt2") {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": model_type is '" + type +
                                              "', expected 'gpt2' (a GPT2LMHeadModel config)");
  }
  Gpt2Config c;
  c.vocab_size = json_value<int64_t>(json, "vocab_size", c.vocab_size, path);
  c.n_positions = json_value<int64_t>(json, "n_positions", c.n_positions, path);
  c.n_embd = json_value<int64_t>(json, "n_embd", c.n_embd, path);
  c.n_layer = json_value<int64_t>(json, "n_layer", c.n_layer, path);
  c.n_head = json_value<int64_t>(json, "n_head", c.n_head, path);
  c.n_inner = json_value<int64_t>(json, "n_inner", c.n_inner, path);
  c.layer_norm_epsilon = json_value<double>(json, "layer_norm_epsilon", c.layer_norm_epsilon, path);
  c.activation_function = json_value<std::string>(json, "activation_function", c.activation_function, path);
  detail::parse_activation(c.activation_function, path);
  if (c.vocab_size <= 0 || c.n_positions <= 0 || c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 ||
      c.n_embd % c.n_head != 0 || c.n_inner < 0) {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": inconsistent sizes (n_embd " +
                                              std::to_string(c.n_embd) + " must be a positive multiple of n_head " +
                                              std::to_string(c.n_head) + ")");
  }
  return c;
}

Gpt2Conv1DImpl::Gpt2Conv1DImpl(int64_t in, int64_t out) {
  weight = register_parameter("weight", torch::randn({in, out}) * 0.02);
  bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor Gpt2Conv1DImpl::forward(const torch::Tensor& x) { return detail::conv1d_linear(x, weight, bias); }

Gpt2AttentionImpl::Gpt2AttentionImpl(const Gpt2Config& config) : n_head_(config.n_head) {
  c_attn = register_module("c_attn", Gpt2Conv1D(config.n_embd, 3 * config.n_embd));
  c_proj = register_module("c_proj", Gpt2Conv1D(config.n_embd, config.n_embd));
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values) {
  const int64_t c = x.size(2);
  const int64_t head_dim = c / n_head_;
  std::vector<torch::Tensor> qkv = c_attn(x).split(c, 2);        // 3 x [B, T, C]
  torch::Tensor q = detail::split_heads(qkv[0], n_head_);         // [B, H, T, Dh]
  torch::Tensor k = detail::split_heads(qkv[1], n_head_);
  torch::Tensor v = detail::split_heads(qkv[2], n_head_);
  const int64_t past = keys.defined() ? keys.size(2) : 0;
  keys = past > 0 ? torch::cat({keys, k}, 2) : k;                 // [B, H, P+T, Dh]
  values = past > 0 ? torch::cat({values, v}, 2) : v;

  const int64_t t = x.size(1);
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  torch::Tensor query_pos = torch::arange(past, past + t, long_opts).unsqueeze(1);      // [T, 1]
  torch::Tensor mask = detail::causal_mask(query_pos, torch::arange(past + t, long_opts), x.scalar_type());
  // The product is a fresh tensor that backward does not need: scaling and masking it in place is safe.
  torch::Tensor scores = torch::matmul(q, keys.transpose(2, 3));                       // [B, H, T, P+T]
  scores.mul_(1.0 / std::sqrt(static_cast<double>(head_dim))).add_(mask);
  torch::Tensor context = torch::matmul(torch::softmax(scores, -1), values);           // [B, H, T, Dh]
  return c_proj(detail::merge_heads(context));
}

Gpt2MlpImpl::Gpt2MlpImpl(const Gpt2Config& config, detail::Activation act) : act_(act) {
  const int64_t inner = config.n_inner > 0 ? config.n_inner : 4 * config.n_embd;
  c_fc = register_module("c_fc", Gpt2Conv1D(config.n_embd, inner));
  c_proj = register_module("c_proj", Gpt2Conv1D(inner, config.n_embd));
}

torch::Tensor Gpt2MlpImpl::forward(const torch::Tensor& x) { return c_proj(detail::activate(c_fc(x), act_)); }

Gpt2BlockImpl::Gpt2BlockImpl(const Gpt2Config& config, detail::Activation act) {
  auto ln = torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon);
  ln_1 = register_module("ln_1", torch::nn::LayerNorm(ln));
  attn = register_module("attn", Gpt2Attention(config));
  ln_2 = register_module("ln_2", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", Gpt2Mlp(config, act));
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values) {
  torch::Tensor y = x + attn(ln_1(x), keys, values);
  return y + mlp(ln_2(y));
}

Gpt2Impl::Gpt2Impl(const Gpt2Config& config) : config_(config) {
  const detail::Activation act = detail::parse_activation(config.activation_function, "config");
  wte = register_module("wte", torch::nn::Embedding(config.vocab_size, config.n_embd));
  wpe = register_module("wpe", torch::nn::Embedding(config.n_positions, config.n_embd));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) {
    blocks_.push_back(Gpt2Block(config, act));
    h->push_back(blocks_.back());
  }
  ln_f = register_module(
      "ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon)));
}

torch::Tensor Gpt2Impl::embed(const torch::Tensor& ids) {
  if (ids.dim() != 2 || ids.scalar_type() != torch::kLong) {
    throw Error(ErrorCode::kInvalidArgument, "GPT-2 ids must be a [B, T] int64 tensor");
  }
  return wte(ids);
}

torch::Tensor Gpt2Impl::hidden_states(const torch::Tensor& inputs_embeds, KvCache* cache) {
  if (inputs_embeds.dim() != 3 || inputs_embeds.size(2) != config_.n_embd) {
    throw Error(ErrorCode::kInvalidArgument,
                "GPT-2 input embeddings must be [B, T, " + std::to_string(config_.n_embd) + "]");
  }
  const int64_t past = cache ? cache->length() : 0;
  const int64_t t = inputs_embeds.size(1);
  if (past + t > config_.n_positions) {
    throw Error(ErrorCode::kInvalidArgument, "GPT-2 sequence of " + std::to_string(past + t) +
                                                 " positions exceeds n_positions " +
                                                 std::to_string(config_.n_positions));
  }
  const detail::BlasThreadsOnly threads(inputs_embeds.is_cpu());
  if (cache && cache->keys.empty()) {
    cache->keys.resize(blocks_.size());
    cache->values.resize(blocks_.size());
  }
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(inputs_embeds.device());
  torch::Tensor x = inputs_embeds + wpe(torch::arange(past, past + t, long_opts));  // [B, T, C]
  for (size_t i = 0; i < blocks_.size(); ++i) {
    torch::Tensor keys, values;
    if (cache) {
      keys = cache->keys[i];
      values = cache->values[i];
    }
    x = blocks_[i]->forward(x, keys, values);
    if (cache) {
      cache->keys[i] = keys;
      cache->values[i] = values;
    }
  }
  return ln_f(x);
}

torch::Tensor Gpt2Impl::lm_head(const torch::Tensor& hidden) { return detail::linear(hidden, wte->weight, {}); }

torch::Tensor Gpt2Impl::forward(const torch::Tensor& inputs_embeds, KvCache* cache) {
  return lm_head(hidden_states(inputs_embeds, cache));
}

torch::Tensor Gpt2Impl::forward_ids(const torch::Tensor& ids, KvCache* cache) { return forward(embed(ids), cache); }

Gpt2 load_gpt2_model(const fs::path& dir, const Gpt2Config& config, torch::Device device) {
  detail::require_model_files(dir, {"model.safetensors"}, "GPT-2");
  SafeTensors file(dir / "model.safetensors");
  const int64_t c = config.n_embd, inner = config.n_inner > 0 ? config.n_inner : 4 * config.n_embd;
  const std::string last = "h." + std::to_string(config.n_layer - 1) + ".";
  detail::check_config_against_weights(
      file,
      {{"wte.weight", {config.vocab_size, c}}, {"wpe.weight", {config.n_positions, c}},
       {"h.0.mlp.c_fc.weight", {c, inner}}, {last + "attn.c_attn.weight", {c, 3 * c}}, {"ln_f.weight", {c}}},
      {"h." + std::to_string(config.n_layer) + ".ln_1.weight"}, {"transformer."}, dir / "config.json");
  Gpt2 model(config);
  LoadOptions options;
  options.strip_prefixes = {"transformer."};
  options.ignore_suffixes = {".attn.bias", ".attn.masked_bias", "lm_head.weight"};
  options.model_description = "GPT-2 (n_embd " + std::to_string(config.n_embd) + ", n_layer " +
                              std::to_string(config.n_layer) + ", vocab " + std::to_string(config.vocab_size) + ")";
  load_weights(*model, file, options);
  model->eval();
  model->to(device);
  return model;
}

}  // namespace vidscribe::nn

namespace vidscribe::nn {

LoadedGpt2 load_gpt2(const std::filesystem::path& dir, torch::Device device) {
  detail::require_model_files(dir, {"config.json", "model.safetensors", "vocab.json", "merges.txt"}, "GPT-2");
  Gpt2Config config = Gpt2Config::from_json(dir / "config.json");
  text::Gpt2Tokenizer tokenizer = text::Gpt2Tokenizer::load(dir / "vocab.json", dir / "merges.txt");
  if (tokenizer.vocab_size() > config.vocab_size) {
    throw Error(ErrorCode::kCorruptModel, (dir / "vocab.json").string() + " has " +
                                              std::to_string(tokenizer.vocab_size()) + " tokens but the model only " +
                                              std::to_string(config.vocab_size));
  }
  Gpt2 model = load_gpt2_model(dir, config, device);
  return LoadedGpt2{model, config, std::move(tokenizer)};
}

}  // namespace vidscribe::nn
