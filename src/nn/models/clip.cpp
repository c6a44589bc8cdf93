#include "nn/models/clip.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "nn/safetensors.h"
#include "nn/weights.h"
#include "vidscribe/error.h"
#include "util/json_excerpt.h"

namespace vidscribe::nn {
namespace fs = std::filesystem;
using detail::json_value;

namespace {

ClipTowerConfig read_tower(const nlohmann::json& root, const std::string& key, ClipTowerConfig c,
                           const fs::path& path) {
  // HF writes a tower as "<key>" and, in older files, also "<key>_dict"; the _dict entries win, as in HF.
  nlohmann::json tower = nlohmann::json::object();
  for (const std::string& k : {key, key + "_dict"}) {
    auto it = root.find(k);
    if (it == root.end() || it->is_null()) continue;
    if (!it->is_object()) throw Error(ErrorCode::kCorruptModel, path.string() + ": '" + k + "' is not an object");
    tower.update(*it);
  }
  c.hidden_size = json_value<int64_t>(tower, "hidden_size", c.hidden_size, path);
  c.intermediate_size = json_value<int64_t>(tower, "intermediate_size", c.intermediate_size, path);
  c.num_attention_heads = json_value<int64_t>(tower, "num_attention_heads", c.num_attention_heads, path);
  c.num_hidden_layers = json_value<int64_t>(tower, "num_hidden_layers", c.num_hidden_layers, path);
  c.layer_norm_eps = json_value<double>(tower, "layer_norm_eps", c.layer_norm_eps, path);
  c.hidden_act = json_value<std::string>(tower, "hidden_act", c.hidden_act, path);
  c.vocab_size = json_value<int64_t>(tower, "vocab_size", c.vocab_size, path);
  c.max_position_embeddings = json_value<int64_t>(tower, "max_position_embeddings", c.max_position_embeddings, path);
  c.image_size = json_value<int64_t>(tower, "image_size", c.image_size, path);
  c.patch_size = json_value<int64_t>(tower, "patch_size", c.patch_size, path);
  c.num_channels = json_value<int64_t>(tower, "num_channels", c.num_channels, path);
  detail::parse_activation(c.hidden_act, path);
  if (c.hidden_size <= 0 || c.num_attention_heads <= 0 || c.hidden_size % c.num_attention_heads != 0 ||
      c.intermediate_size <= 0 || c.num_hidden_layers <= 0 || c.patch_size <= 0 || c.image_size % c.patch_size != 0 ||
      c.max_position_embeddings <= 0 || c.vocab_size <= 0) {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": inconsistent sizes in " + key);
  }
  return c;
}

int64_t int_or_field(const nlohmann::json& json, const std::string& key, const std::string& field, int64_t fallback,
                     const fs::path& path) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_object()) return json_value<int64_t>(*it, field, fallback, path);
  throw Error(ErrorCode::kCorruptModel, path.string() + ": '" + key + "' has the wrong type: " + util::json_excerpt(*it));
}

std::array<float, 3> three_floats(const nlohmann::json& json, const std::string& key, std::array<float, 3> fallback,
                                  const fs::path& path) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_array() || it->size() != 3 || !(*it)[0].is_number() || !(*it)[1].is_number() ||
      !(*it)[2].is_number()) {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": '" + key + "' must be three numbers");
  }
  return {(*it)[0].get<float>(), (*it)[1].get<float>(), (*it)[2].get<float>()};
}

torch::TensorOptions long_on(const torch::Tensor& t) {
  return torch::TensorOptions().dtype(torch::kLong).device(t.device());
}

}  // namespace

ClipConfig ClipConfig::from_json(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw Error(ErrorCode::kNotFound, "CLIP config " + path.string() + " not found");
  nlohmann::json json = detail::read_json_object(path);
  const std::string type = json_value<std::string>(json, "model_type", "", path);
  if (type != "clip") {
    throw Error(ErrorCode::kCorruptModel,
                path.string() + ": model_type is '" + type + "', expected 'clip' (a CLIPModel config)");
  }
  ClipConfig c;
  c.text = read_tower(json, "text_config", c.text, path);
  c.vision = read_tower(json, "vision_config", c.vision, path);
  c.projection_dim = json_value<int64_t>(json, "projection_dim", c.projection_dim, path);
  if (c.projection_dim <= 0) throw Error(ErrorCode::kCorruptModel, path.string() + ": projection_dim must be > 0");
  return c;
}

ClipPreprocessConfig ClipPreprocessConfig::from_json(const fs::path& path) {
  if (!fs::is_regular_file(path)) {
    throw Error(ErrorCode::kNotFound, "CLIP preprocessor config " + path.string() + " not found");
  }
  nlohmann::json json = detail::read_json_object(path);
  ClipPreprocessConfig c;
  c.image_size = int_or_field(json, "crop_size", "height", c.image_size, path);
  c.shortest_edge = int_or_field(json, "size", "shortest_edge", c.shortest_edge, path);
  c.mean = three_floats(json, "image_mean", c.mean, path);
  c.std = three_floats(json, "image_std", c.std, path);
  if (c.image_size <= 0 || c.shortest_edge < c.image_size) {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": crop_size must be positive and at most size");
  }
  return c;
}

ClipAttentionImpl::ClipAttentionImpl(int64_t hidden, int64_t heads) : heads_(heads) {
  q_proj = register_module("q_proj", torch::nn::Linear(hidden, hidden));
  k_proj = register_module("k_proj", torch::nn::Linear(hidden, hidden));
  v_proj = register_module("v_proj", torch::nn::Linear(hidden, hidden));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden, hidden));
}

ClipMlpImpl::ClipMlpImpl(int64_t hidden, int64_t intermediate, detail::Activation act) : act_(act) {
  fc1 = register_module("fc1", torch::nn::Linear(hidden, intermediate));
  fc2 = register_module("fc2", torch::nn::Linear(intermediate, hidden));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  return detail::linear(detail::activate(detail::linear(x, fc1->weight, fc1->bias), act_), fc2->weight, fc2->bias);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTowerConfig& config, detail::Activation act) {
  auto ln = torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps);
  self_attn = register_module("self_attn", ClipAttention(config.hidden_size, config.num_attention_heads));
  layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", ClipMlp(config.hidden_size, config.intermediate_size, act));
  layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(ln));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& prefix_keys,
                                            const torch::Tensor& prefix_values, const torch::Tensor& query_rows,
                                            const torch::Tensor& mask, torch::Tensor* keys_out,
                                            torch::Tensor* values_out) {
  const ClipAttentionImpl& att = *self_attn;
  const int64_t heads = att.heads();
  const int64_t b = x.size(0), t = x.size(1), c = x.size(2), head_dim = c / heads;
  torch::Tensor h = layer_norm1(x);                                                            // [B, T, C]
  torch::Tensor k = detail::split_heads(detail::linear(h, att.k_proj->weight, att.k_proj->bias), heads);  // [B,H,T,Dh]
  torch::Tensor v = detail::split_heads(detail::linear(h, att.v_proj->weight, att.v_proj->bias), heads);
  if (keys_out) *keys_out = k.contiguous();
  if (values_out) *values_out = v.contiguous();

  torch::Tensor residual = x, hq = h;
  if (query_rows.defined()) {
    torch::Tensor batch = torch::arange(b, long_on(x));
    residual = x.index({batch, query_rows}).unsqueeze(1);  // [B, 1, C]
    hq = h.index({batch, query_rows}).unsqueeze(1);
  }
  const int64_t tq = hq.size(1);
  torch::Tensor q = detail::linear(hq, att.q_proj->weight, att.q_proj->bias);
  q.mul_(1.0 / std::sqrt(static_cast<double>(head_dim)));
  q = detail::split_heads(q, heads);                                           // [B, H, Tq, Dh]
  torch::Tensor scores = torch::matmul(q, k.transpose(2, 3));                  // [B, H, Tq, T]
  // Every query against the positions of all prefixes, laid out one after the other ([H, P*L0, Dh]), without
  // expanding them per sequence; the mask keeps each sequence to its own prefix.
  const int64_t l0 = prefix_keys.defined() ? prefix_keys.size(0) * prefix_keys.size(2) : 0;
  if (l0 > 0) {
    const torch::Tensor keys_all = prefix_keys.permute({1, 0, 2, 3}).reshape({heads, l0, head_dim});
    const torch::Tensor q_rows = q.permute({1, 0, 2, 3}).reshape({heads, b * tq, head_dim});  // [H, B*Tq, Dh]
    torch::Tensor prefix_scores = torch::bmm(q_rows, keys_all.transpose(1, 2))  // [H, B*Tq, P*L0]
                                      .view({heads, b, tq, l0})
                                      .permute({1, 0, 2, 3});
    scores = torch::cat({prefix_scores, scores}, 3);                           // [B, H, Tq, P*L0 + T]
  }
  if (mask.defined()) scores.add_(mask);
  torch::Tensor probs = torch::softmax(scores, -1);
  torch::Tensor context = torch::matmul(probs.narrow(3, l0, t), v);            // [B, H, Tq, Dh]
  if (l0 > 0) {
    const torch::Tensor values_all = prefix_values.permute({1, 0, 2, 3}).reshape({heads, l0, head_dim});
    torch::Tensor p = probs.narrow(3, 0, l0).permute({1, 0, 2, 3}).reshape({heads, b * tq, l0});
    context = context + torch::bmm(p, values_all).view({heads, b, tq, head_dim}).permute({1, 0, 2, 3});
  }
  torch::Tensor y = residual + detail::linear(detail::merge_heads(context), att.out_proj->weight, att.out_proj->bias);
  return y + mlp(layer_norm2(y));
}

ClipEncoderImpl::ClipEncoderImpl(const ClipTowerConfig& config) {
  const detail::Activation act = detail::parse_activation(config.hidden_act, "config");
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    list.push_back(ClipEncoderLayer(config, act));
    layers->push_back(list.back());
  }
}

ClipVisionEmbeddingsImpl::ClipVisionEmbeddingsImpl(const ClipTowerConfig& config) {
  const int64_t grid = config.image_size / config.patch_size;
  class_embedding = register_parameter("class_embedding", torch::randn({config.hidden_size}));
  patch_embedding = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(config.num_channels, config.hidden_size, config.patch_size)
                            .stride(config.patch_size)
                            .bias(false)));
  position_embedding =
      register_module("position_embedding", torch::nn::Embedding(grid * grid + 1, config.hidden_size));
}

torch::Tensor ClipVisionEmbeddingsImpl::forward(const torch::Tensor& pixels) {
  const int64_t b = pixels.size(0);
  torch::Tensor patches = patch_embedding(pixels).flatten(2).transpose(1, 2);  // [B, G*G, C]
  torch::Tensor cls = class_embedding.view({1, 1, -1}).expand({b, 1, class_embedding.size(0)});
  return torch::cat({cls, patches}, 1) + position_embedding->weight;           // [B, 1 + G*G, C]
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipTowerConfig& config) : config_(config) {
  auto ln = torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps);
  embeddings = register_module("embeddings", ClipVisionEmbeddings(config));
  pre_layrnorm = register_module("pre_layrnorm", torch::nn::LayerNorm(ln));
  encoder = register_module("encoder", ClipEncoder(config));
  post_layernorm = register_module("post_layernorm", torch::nn::LayerNorm(ln));
}

torch::Tensor ClipVisionTransformerImpl::forward(const torch::Tensor& pixels) {
  torch::Tensor x = pre_layrnorm(embeddings(pixels));  // [B, 1 + G*G, C]
  auto& layers = encoder->list;
  for (size_t i = 0; i + 1 < layers.size(); ++i) x = layers[i]->forward(x, {}, {}, {}, {});
  // Only the class token is pooled: the last layer computes its row alone.
  torch::Tensor cls_rows = torch::zeros({x.size(0)}, long_on(x));
  x = layers.back()->forward(x, {}, {}, cls_rows, {});  // [B, 1, C]
  return post_layernorm(x.squeeze(1));
}

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTowerConfig& config) {
  token_embedding = register_module("token_embedding", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  position_embedding = register_module("position_embedding",
                                       torch::nn::Embedding(config.max_position_embeddings, config.hidden_size));
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTowerConfig& config) : config_(config) {
  embeddings = register_module("embeddings", ClipTextEmbeddings(config));
  encoder = register_module("encoder", ClipEncoder(config));
  final_layer_norm = register_module(
      "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
}

ClipTextPrefix ClipTextTransformerImpl::prefix(const torch::Tensor& ids) {
  const int64_t l0 = ids.size(1);
  torch::Tensor positions = torch::arange(l0, long_on(ids));
  torch::Tensor x = embeddings->token_embedding(ids) + embeddings->position_embedding(positions);  // [P, L0, C]
  torch::Tensor mask = detail::causal_mask(positions.unsqueeze(1), positions, x.scalar_type());  // [L0, L0]
  ClipTextPrefix out;
  auto& layers = encoder->list;
  for (size_t i = 0; i < layers.size(); ++i) {
    torch::Tensor k, v;
    torch::Tensor next = layers[i]->forward(x, {}, {}, {}, mask, &k, &v);
    out.keys.push_back(k);
    out.values.push_back(v);
    x = next;
  }
  return out;
}

torch::Tensor ClipTextTransformerImpl::pooled(const ClipTextPrefix& prefix, const torch::Tensor& tails,
                                              const torch::Tensor& lengths, const torch::Tensor& prefix_rows,
                                              const torch::Tensor& shared) {
  const int64_t n = tails.size(0), lt = tails.size(1), l0 = prefix.length();
  const int64_t n_prefixes = l0 > 0 ? prefix.keys.front().size(0) : 0;
  // Tail i's positions continue after its shared prefix tokens.
  torch::Tensor key_pos = torch::arange(lt, long_on(tails));
  torch::Tensor positions = shared.unsqueeze(1) + key_pos.unsqueeze(0);                         // [N, Lt]
  torch::Tensor x = embeddings->token_embedding(tails) + embeddings->position_embedding(positions);  // [N, Lt, C]
  const auto dtype = x.scalar_type();
  // The additive mask over [all prefix positions][the tail's own positions]: a tail sees the first shared[i]
  // positions of its own prefix row, and its own positions causally.
  torch::Tensor tail_mask = detail::causal_mask(key_pos.unsqueeze(1), key_pos, dtype);  // [Lt, Lt]
  torch::Tensor prefix_mask;                                                             // [N, 1, 1, P*L0]
  if (l0 > 0) {
    torch::Tensor slot = torch::arange(n_prefixes * l0, long_on(tails));
    torch::Tensor visible = (slot.div(l0, "floor").unsqueeze(0) == prefix_rows.unsqueeze(1)) &
                            (slot.remainder(l0).unsqueeze(0) < shared.unsqueeze(1));  // [N, P*L0]
    prefix_mask = torch::zeros({n, n_prefixes * l0}, x.options())
                      .masked_fill(visible.logical_not(), -std::numeric_limits<float>::infinity())
                      .view({n, 1, 1, n_prefixes * l0});
  }
  auto full_mask = [&](const torch::Tensor& own) {  // own: broadcastable to [N, 1, Tq, Lt]
    if (l0 == 0) return own;
    const int64_t tq = own.dim() >= 2 ? own.size(-2) : 1;
    return torch::cat({prefix_mask.expand({n, 1, tq, n_prefixes * l0}), own.expand({n, 1, tq, lt})}, 3);
  };
  torch::Tensor end_rows = lengths - 1;                                                         // [N]
  const torch::Tensor inner_mask = full_mask(tail_mask.view({1, 1, lt, lt}));
  const torch::Tensor last_mask = full_mask(detail::causal_mask(end_rows.view({n, 1, 1, 1}), key_pos, dtype));
  auto& layers = encoder->list;
  for (size_t i = 0; i < layers.size(); ++i) {
    torch::Tensor pk = l0 > 0 ? prefix.keys[i] : torch::Tensor();
    torch::Tensor pv = l0 > 0 ? prefix.values[i] : torch::Tensor();
    if (i + 1 < layers.size()) {
      x = layers[i]->forward(x, pk, pv, {}, inner_mask);
    } else {
      x = layers[i]->forward(x, pk, pv, end_rows, last_mask);  // [N, 1, C]
    }
  }
  return final_layer_norm(x.squeeze(1));
}

ClipModelImpl::ClipModelImpl(const ClipConfig& config) : config_(config) {
  text_model = register_module("text_model", ClipTextTransformer(config.text));
  vision_model = register_module("vision_model", ClipVisionTransformer(config.vision));
  visual_projection = register_module(
      "visual_projection",
      torch::nn::Linear(torch::nn::LinearOptions(config.vision.hidden_size, config.projection_dim).bias(false)));
  text_projection = register_module(
      "text_projection",
      torch::nn::Linear(torch::nn::LinearOptions(config.text.hidden_size, config.projection_dim).bias(false)));
  logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1 / 0.07)));
}

torch::Tensor ClipModelImpl::encode_image(const torch::Tensor& pixels) {
  const ClipTowerConfig& v = config_.vision;
  if (pixels.dim() != 4 || pixels.size(1) != v.num_channels || pixels.size(2) != v.image_size ||
      pixels.size(3) != v.image_size) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP pixels must be [B, " + std::to_string(v.num_channels) + ", " +
                                                 std::to_string(v.image_size) + ", " + std::to_string(v.image_size) +
                                                 "]");
  }
  const detail::BlasThreadsOnly threads(pixels.is_cpu());
  return detail::linear(vision_model(pixels), visual_projection->weight, {});
}

torch::Tensor ClipModelImpl::encode_text(const torch::Tensor& ids) {
  if (ids.dim() != 2 || ids.scalar_type() != torch::kLong || ids.size(0) == 0 || ids.size(1) == 0 ||
      ids.size(1) > config_.text.max_position_embeddings) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP text ids must be a non-empty [B, L] int64 tensor with L <= " +
                                                 std::to_string(config_.text.max_position_embeddings));
  }
  const detail::BlasThreadsOnly threads(ids.is_cpu());
  // Causal attention: positions after each row's end token never reach it, so they are not computed.
  torch::Tensor end_pos = ids.argmax(1);  // [B]
  const int64_t used = end_pos.max().item<int64_t>() + 1;
  torch::Tensor pooled = text_model->pooled(ClipTextPrefix{}, ids.narrow(1, 0, used), end_pos + 1, {},
                                            torch::zeros_like(end_pos));
  return detail::linear(pooled, text_projection->weight, {});
}

ClipTextPrefix ClipModelImpl::encode_text_prefix(const torch::Tensor& ids) {
  const int64_t limit = config_.text.max_position_embeddings;
  if ((ids.dim() != 1 && ids.dim() != 2) || ids.scalar_type() != torch::kLong || ids.numel() == 0 ||
      ids.size(-1) >= limit) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP text prefix must be a non-empty [L0] or [P, L0] int64 tensor with L0 < " +
                                                 std::to_string(limit));
  }
  const detail::BlasThreadsOnly threads(ids.is_cpu());
  return text_model->prefix(ids.dim() == 1 ? ids.unsqueeze(0) : ids);
}

torch::Tensor ClipModelImpl::encode_text_tails(const ClipTextPrefix& prefix, const torch::Tensor& tails,
                                               const torch::Tensor& lengths, const torch::Tensor& prefix_rows,
                                               const torch::Tensor& shared) {
  if (tails.dim() != 2 || tails.scalar_type() != torch::kLong || tails.size(0) == 0 || tails.size(1) == 0 ||
      lengths.dim() != 1 || lengths.scalar_type() != torch::kLong || lengths.size(0) != tails.size(0)) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP tails must be [N, Lt] int64 with lengths [N] int64");
  }
  const int64_t n = tails.size(0), l0 = prefix.length();
  const int64_t n_prefixes = l0 > 0 ? prefix.keys.front().size(0) : 0;
  auto per_row = [&](const torch::Tensor& given, int64_t fill, const char* what) {
    if (!given.defined()) return torch::full({n}, fill, torch::TensorOptions().dtype(torch::kLong).device(tails.device()));
    if (given.dim() != 1 || given.scalar_type() != torch::kLong || given.size(0) != n) {
      throw Error(ErrorCode::kInvalidArgument, std::string("CLIP tail ") + what + " must be [N] int64");
    }
    return given.to(tails.device());
  };
  const torch::Tensor rows = per_row(prefix_rows, 0, "prefix rows");
  const torch::Tensor used = per_row(shared, l0, "shared lengths");
  if (rows.min().item<int64_t>() < 0 || (n_prefixes > 0 && rows.max().item<int64_t>() >= n_prefixes) ||
      (n_prefixes == 0 && rows.max().item<int64_t>() != 0)) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP tail prefix rows must name one of the " +
                                                 std::to_string(n_prefixes) + " prefixes");
  }
  if (used.min().item<int64_t>() < 0 || used.max().item<int64_t>() > l0) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP tail shared lengths must lie in [0, " + std::to_string(l0) + "]");
  }
  const int64_t longest = used.max().item<int64_t>() + tails.size(1);
  if (longest > config_.text.max_position_embeddings) {
    throw Error(ErrorCode::kInvalidArgument,
                "CLIP text of " + std::to_string(longest) + " tokens exceeds max_position_embeddings " +
                    std::to_string(config_.text.max_position_embeddings));
  }
  if (lengths.min().item<int64_t>() < 1 || lengths.max().item<int64_t>() > tails.size(1)) {
    throw Error(ErrorCode::kInvalidArgument, "CLIP tail lengths must lie in [1, Lt]");
  }
  const detail::BlasThreadsOnly threads(tails.is_cpu());
  return detail::linear(text_model->pooled(prefix, tails, lengths, rows, used), text_projection->weight, {});
}

torch::Tensor ClipModelImpl::logits_per_image(const torch::Tensor& image_embeds, const torch::Tensor& text_embeds) {
  torch::Tensor img = image_embeds / image_embeds.norm(2, -1, true);
  torch::Tensor txt = text_embeds / text_embeds.norm(2, -1, true);
  return logit_scale.exp() * torch::matmul(img, txt.t());
}

ClipModel load_clip_model(const fs::path& dir, const ClipConfig& config, torch::Device device) {
  detail::require_model_files(dir, {"model.safetensors"}, "CLIP");
  SafeTensors file(dir / "model.safetensors");
  {
    const auto& t = config.text;
    const auto& v = config.vision;
    const int64_t grid = v.patch_size > 0 ? v.image_size / v.patch_size : 0;
    auto layer = [](const char* tower, int64_t i) {
      return std::string(tower) + "_model.encoder.layers." + std::to_string(i) + ".";
    };
    detail::check_config_against_weights(
        file,
        {{"text_model.embeddings.token_embedding.weight", {t.vocab_size, t.hidden_size}},
         {"text_model.embeddings.position_embedding.weight", {t.max_position_embeddings, t.hidden_size}},
         {layer("text", 0) + "mlp.fc1.weight", {t.intermediate_size, t.hidden_size}},
         {layer("text", t.num_hidden_layers - 1) + "layer_norm1.weight", {t.hidden_size}},
         {"vision_model.embeddings.patch_embedding.weight", {v.hidden_size, v.num_channels, v.patch_size, v.patch_size}},
         {"vision_model.embeddings.position_embedding.weight", {grid * grid + 1, v.hidden_size}},
         {layer("vision", 0) + "mlp.fc1.weight", {v.intermediate_size, v.hidden_size}},
         {layer("vision", v.num_hidden_layers - 1) + "layer_norm1.weight", {v.hidden_size}},
         {"text_projection.weight", {config.projection_dim, t.hidden_size}},
         {"visual_projection.weight", {config.projection_dim, v.hidden_size}}},
        {layer("text", t.num_hidden_layers) + "layer_norm1.weight",
         layer("vision", v.num_hidden_layers) + "layer_norm1.weight"},
        {}, dir / "config.json");
  }
  ClipModel model(config);
  LoadOptions options;
  options.ignore_suffixes = {"position_ids"};
  options.model_description = "CLIP (text width " + std::to_string(config.text.hidden_size) + ", vision width " +
                              std::to_string(config.vision.hidden_size) + ", patch " +
                              std::to_string(config.vision.patch_size) + ", projection " +
                              std::to_string(config.projection_dim) + ")";
  load_weights(*model, file, options);
  model->eval();
  model->to(device);
  return model;
}

}  // namespace vidscribe::nn

namespace vidscribe::nn {

LoadedClip load_clip(const std::filesystem::path& dir, torch::Device device) {
  detail::require_model_files(dir, {"config.json", "preprocessor_config.json", "model.safetensors", "vocab.json",
                                    "merges.txt"},
                              "CLIP");
  ClipConfig config = ClipConfig::from_json(dir / "config.json");
  ClipPreprocessConfig preprocess = ClipPreprocessConfig::from_json(dir / "preprocessor_config.json");
  if (preprocess.image_size != config.vision.image_size) {
    throw Error(ErrorCode::kCorruptModel, (dir / "preprocessor_config.json").string() + ": crop size " +
                                              std::to_string(preprocess.image_size) + " differs from the model's " +
                                              "image_size " + std::to_string(config.vision.image_size));
  }
  text::ClipTokenizer tokenizer = text::ClipTokenizer::load(dir / "vocab.json", dir / "merges.txt");
  if (tokenizer.vocab_size() > config.text.vocab_size) {
    throw Error(ErrorCode::kCorruptModel, (dir / "vocab.json").string() + " has " +
                                              std::to_string(tokenizer.vocab_size()) + " tokens but the model only " +
                                              std::to_string(config.text.vocab_size));
  }
  ClipModel model = load_clip_model(dir, config, device);
  return LoadedClip{model, config, preprocess, std::move(tokenizer)};
}

}  // namespace vidscribe::nn
