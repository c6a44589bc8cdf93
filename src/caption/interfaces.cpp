#include "caption/interfaces.h"

#include <limits>

#include "vidscribe/error.h"

namespace vidscribe::caption {

torch::Tensor ImageTextModel::embed_continuations(const std::vector<std::string>& prefixes,
                                                  const std::vector<std::vector<std::string>>& continuations) {
  if (prefixes.size() != continuations.size()) {
    throw Error(ErrorCode::kInternal, "embed_continuations: one list of continuations per prefix expected");
  }
  std::vector<std::string> texts;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const auto& c : continuations[i]) texts.push_back(prefixes[i] + c);
  }
  return embed_texts(texts);
}

void KvCache::select_rows(const torch::Tensor& rows) {
  for (auto& k : keys) k = k.index_select(0, rows.to(k.device()));
  for (auto& v : values) v = v.index_select(0, rows.to(v.device()));
}

int64_t CausalLm::max_positions() const { return std::numeric_limits<int64_t>::max(); }

int64_t CausalLm::period_id() const {
  const auto ids = encode(".");
  if (ids.size() != 1) {
    throw Error(ErrorCode::kCorruptModel, "the language model's tokenizer does not encode \".\" as one token");
  }
  return ids[0];
}

torch::Tensor CausalLm::last_logits(const torch::Tensor& inputs_embeds, KvCache* cache) {
  return forward(inputs_embeds, cache).select(1, -1);
}

}  // namespace vidscribe::caption
