#include "caption/gpt2_adapter.h"

namespace vidscribe::caption {

Gpt2Lm::Gpt2Lm(nn::Gpt2 model, text::Gpt2Tokenizer tokenizer)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}

int64_t Gpt2Lm::embedding_dim() const { return model_->config().n_embd; }
int64_t Gpt2Lm::vocab_size() const { return model_->config().vocab_size; }
int64_t Gpt2Lm::max_positions() const { return model_->config().n_positions; }
int64_t Gpt2Lm::eos_id() const { return tokenizer_.eos_id(); }

std::string Gpt2Lm::token_bytes(int64_t id) const {
  return id >= 0 && id < tokenizer_.vocab_size() ? tokenizer_.token_bytes(id) : std::string();
}

std::vector<int64_t> Gpt2Lm::encode(const std::string& text) const { return tokenizer_.encode(text); }

torch::Tensor Gpt2Lm::embed(const torch::Tensor& ids) { return model_->embed(ids); }

torch::Tensor Gpt2Lm::hidden(const torch::Tensor& inputs_embeds, KvCache* cache) {
  if (cache == nullptr) return model_->hidden_states(inputs_embeds, nullptr);
  nn::KvCache model_cache{std::move(cache->keys), std::move(cache->values)};
  auto h = model_->hidden_states(inputs_embeds, &model_cache);
  cache->keys = std::move(model_cache.keys);
  cache->values = std::move(model_cache.values);
  return h;
}

torch::Tensor Gpt2Lm::forward(const torch::Tensor& inputs_embeds, KvCache* cache) {
  return model_->lm_head(hidden(inputs_embeds, cache));
}

torch::Tensor Gpt2Lm::last_logits(const torch::Tensor& inputs_embeds, KvCache* cache) {
  return model_->lm_head(hidden(inputs_embeds, cache).select(1, -1));
}

}  // namespace vidscribe::caption
