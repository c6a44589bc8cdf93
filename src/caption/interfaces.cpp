#include "caption/interfaces.h"

#include "vidscribe/error.h"

namespace vidscribe::caption {

torch::Tensor ImageTextModel::embed_continuations(const std::string& prefix,
                                                  const std::vector<std::string>& continuations) {
  std::vector<std::string> texts;
  texts.reserve(continuations.size());
  for (const auto& c : continuations) texts.push_back(prefix + c);
  return embed_texts(texts);
}

void KvCache::select_rows(const torch::Tensor& rows) {
  for (auto& k : keys) k = k.index_select(0, rows.to(k.device()));
  for (auto& v : values) v = v.index_select(0, rows.to(v.device()));
}

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
