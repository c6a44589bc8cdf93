// The real GPT-2 (nn/models/gpt2.h) as the optimiser's CausalLm.
#pragma once

#include "caption/interfaces.h"
#include "nn/models/gpt2.h"
#include "text/gpt2_tokenizer.h"

namespace vidscribe::caption {

// Holds the model and tokenizer handles (shared, not copied). The model's weights must be frozen (load_gpt2
// does that).
class Gpt2Lm : public CausalLm {
 public:
  Gpt2Lm(nn::Gpt2 model, text::Gpt2Tokenizer tokenizer);

  int64_t embedding_dim() const override;
  int64_t vocab_size() const override;
  int64_t eos_id() const override;
  int64_t max_positions() const override;
  // Ids the tokenizer does not know (a model vocabulary padded beyond it) stand for no bytes.
  std::string token_bytes(int64_t id) const override;
  std::vector<int64_t> encode(const std::string& text) const override;
  torch::Tensor embed(const torch::Tensor& ids) override;
  torch::Tensor forward(const torch::Tensor& inputs_embeds, KvCache* cache) override;
  // Runs the LM head on the last position only (the head is GPT-2's largest matmul).
  torch::Tensor last_logits(const torch::Tensor& inputs_embeds, KvCache* cache) override;

 private:
  torch::Tensor hidden(const torch::Tensor& inputs_embeds, KvCache* cache);

  nn::Gpt2 model_;
  text::Gpt2Tokenizer tokenizer_;
};

}  // namespace vidscribe::caption
