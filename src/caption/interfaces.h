// The two model interfaces the captioning optimiser depends on (method.md section 8): an image-text
// model and a causal language model. The real CLIP and GPT-2 implement them (clip_adapter.h,
// gpt2_adapter.h); tests plug in tiny hand-built models with known answers.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vidscribe::caption {

// An image-text contrastive model (CLIP). All embeddings live in one joint space of size dim().
// Embedding methods may be called with or without gradient mode; results are never part of a graph the
// optimiser differentiates (frames and candidate texts are constants of the optimisation).
class ImageTextModel {
 public:
  virtual ~ImageTextModel() = default;

  // Size D of the joint embedding space.
  virtual int64_t dim() const = 0;

  // The model's own temperature of its softmax over cosine similarities (> 0): CLIP's 1 / exp(logit_scale),
  // 0.01 for OpenAI's checkpoints. The default vision target of method.md section 4.2 uses it.
  virtual double temperature() const = 0;

  // pixels: [T, 3, S, S] float32, preprocessed for this model -> [T, D] float32, L2-normalised rows.
  virtual torch::Tensor embed_frames(const torch::Tensor& pixels) = 0;

  // texts (UTF-8; invalid sequences may be replaced) -> [N, D] float32, L2-normalised rows.
  virtual torch::Tensor embed_texts(const std::vector<std::string>& texts) = 0;

  // For every event i, the embeddings of prefixes[i] + continuations[i][j] for every j -> [sum_i N_i, D]
  // float32, L2-normalised rows in the order (i, j). Must equal embed_texts of the concatenations (within
  // float rounding); implementations share the work on each common prefix and run all events as one batch
  // (method.md section 7). The default encodes every concatenation in one embed_texts call.
  // REQUIRES: prefixes.size() == continuations.size().
  virtual torch::Tensor embed_continuations(const std::vector<std::string>& prefixes,
                                            const std::vector<std::vector<std::string>>& continuations);
};

// Per-layer keys and values of the positions a causal LM has already seen, batch-major. Opaque to the
// optimiser: it only creates an empty one, passes it to CausalLm::forward and selects batch rows.
struct KvCache {
  std::vector<torch::Tensor> keys;    // per layer [B, ...]; dimension 0 is the batch
  std::vector<torch::Tensor> values;  // per layer [B, ...]
  // Keeps batch rows `rows` ([B'] int64) of every tensor, in that order.
  void select_rows(const torch::Tensor& rows);
};

// A causal language model (GPT-2) with its tokenizer. Weights are frozen (requires_grad false); gradients
// flow from the logits to inputs_embeds.
class CausalLm {
 public:
  virtual ~CausalLm() = default;

  // Width C of the input embeddings.
  virtual int64_t embedding_dim() const = 0;
  virtual int64_t vocab_size() const = 0;
  // The end-of-text token (GPT-2: 50256).
  virtual int64_t eos_id() const = 0;
  // The raw bytes token id stands for, e.g. " cat" (may be a partial UTF-8 sequence).
  virtual std::string token_bytes(int64_t id) const = 0;
  // text -> token ids, no special tokens.
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  // The id of the single token "." (the caption's end token). Default: encode(".") when that is one
  // token; throws kCorruptModel otherwise.
  virtual int64_t period_id() const;
  // The longest input the model takes, in positions (GPT-2: n_positions); default: no limit.
  virtual int64_t max_positions() const;

  // ids: [B, T] int64 -> [B, T, C] float32 input embeddings (token embeddings only, no positions).
  virtual torch::Tensor embed(const torch::Tensor& ids) = 0;

  // inputs_embeds: [B, T, C] float32 -> logits [B, T, V] float32. Positions continue after the cache's
  // length; when cache is given the new keys/values are appended to it. Differentiable in inputs_embeds.
  virtual torch::Tensor forward(const torch::Tensor& inputs_embeds, KvCache* cache) = 0;

  // The logits of the last position only: inputs_embeds [B, T, C] -> [B, V]. The default slices
  // forward(); implementations may skip the vocabulary projection of the other positions.
  virtual torch::Tensor last_logits(const torch::Tensor& inputs_embeds, KvCache* cache);
};

}  // namespace vidscribe::caption
