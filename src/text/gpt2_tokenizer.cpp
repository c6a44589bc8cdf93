#include "text/gpt2_tokenizer.h"

#include "text/bpe.h"
#include "text/unicode.h"
#include "vidscribe/error.h"

namespace vidscribe::text {

namespace {

// [^\s\p{L}\p{N}]
bool is_other(char32_t cp) { return !is_regex_space(cp) && !is_letter(cp) && !is_number(cp); }

// Length of the contraction ('s 't 're 've 'm 'll 'd) at text[i], or 0.
size_t contraction_length(std::u32string_view text, size_t i) {
  if (text[i] != '\'' || i + 1 >= text.size()) return 0;
  const char32_t a = text[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= text.size()) return 0;
  const char32_t b = text[i + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

}  // namespace

std::vector<std::u32string_view> gpt2_split(std::u32string_view text) {
  std::vector<std::u32string_view> pieces;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    size_t end = i + contraction_length(text, i);
    if (end == i) {
      // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional space, then a run of one class.
      const size_t k = text[i] == ' ' ? i + 1 : i;
      if (k < n) {
        for (bool (*in_class)(char32_t) : {&is_letter, &is_number, &is_other}) {
          if (in_class(text[k])) {
            end = k + 1;
            while (end < n && in_class(text[end])) ++end;
            break;
          }
        }
      }
    }
    if (end == i) {
      // "\s+(?!\S)|\s+": a whitespace run, leaving its last space to the next piece when a non-space follows.
      size_t j = i;
      while (j < n && is_regex_space(text[j])) ++j;
      end = (j < n && j - i >= 2) ? j - 1 : j;
    }
    if (end == i) end = i + 1;  // unreachable: every character is in one class; kept so the loop always advances
    pieces.push_back(text.substr(i, end - i));
    i = end;
  }
  return pieces;
}

Gpt2Tokenizer Gpt2Tokenizer::load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) {
  Gpt2Tokenizer tokenizer;
  tokenizer.model_ = BpeModel::load(vocab_json, merges_txt, "");
  tokenizer.cache_ = std::make_shared<BpeCache>();
  tokenizer.eos_id_ = tokenizer.model_->find("<|endoftext|>");
  if (tokenizer.eos_id_ < 0) {
    throw Error(ErrorCode::kCorruptModel, "tokenizer file " + vocab_json.string() + ": no \"<|endoftext|>\" token");
  }
  return tokenizer;
}

const BpeModel& Gpt2Tokenizer::model() const {
  if (!model_) throw Error(ErrorCode::kInvalidArgument, "GPT-2 tokenizer used before it was loaded");
  return *model_;
}

int64_t Gpt2Tokenizer::vocab_size() const { return model_ ? model_->size() : 0; }

std::vector<int64_t> Gpt2Tokenizer::encode(std::string_view text) const {
  const BpeModel& bpe = model();
  const std::u32string chars = decode_utf8(text);
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 1);
  std::string piece;
  for (std::u32string_view piece_chars : gpt2_split(chars)) {
    piece.clear();
    for (char32_t cp : piece_chars) append_utf8(piece, cp);
    if (cache_->lookup(piece, ids)) continue;
    const size_t start = ids.size();
    bpe.encode_word(piece, ids);
    cache_->insert(piece, std::vector<int64_t>(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.end()));
  }
  return ids;
}

std::string Gpt2Tokenizer::token_bytes(int64_t id) const {
  const BpeModel& bpe = model();
  if (id < 0 || id >= bpe.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "GPT-2 token id " + std::to_string(id) + " outside 0.." + std::to_string(bpe.size() - 1));
  }
  return bpe.token(id);
}

std::string Gpt2Tokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) out += token_bytes(id);
  return out;
}

}  // namespace vidscribe::text
