#include "text/clip_tokenizer.h"

#include <algorithm>

#include "text/bpe.h"
#include "text/html_unescape.h"
#include "text/unicode.h"
#include "vidscribe/error.h"

namespace vidscribe::text {

namespace {

constexpr std::string_view kStartOfText = "<|startoftext|>";
constexpr std::string_view kEndOfText = "<|endoftext|>";
constexpr std::string_view kEndOfWord = "</w>";

// U+0345 COMBINING GREEK YPOGEGRAMMENI is no letter, but its case variant (iota) is: under the reference's
// IGNORECASE the negated class [^\s\p{L}\p{N}] rejects it while [\p{L}] does not take it either, so the
// reference's findall drops it.
constexpr char32_t kYpogegrammeni = 0x0345;

// Case-insensitive match of one character against an ASCII pattern character, as the reference's IGNORECASE
// (simple case folding: besides the other ASCII case, U+017F LONG S folds to 's' and U+212A KELVIN SIGN to 'k').
bool ignorecase_equal(char32_t cp, char ascii) {
  if (cp == static_cast<unsigned char>(ascii)) return true;
  const char lower = static_cast<char>(ascii | 0x20);
  if (lower < 'a' || lower > 'z') return false;
  if (cp == static_cast<char32_t>(lower) || cp == static_cast<char32_t>(lower & ~0x20)) return true;
  return (lower == 's' && cp == 0x017F) || (lower == 'k' && cp == 0x212A);
}

// Whether `pattern` (ASCII) matches at text[i] ignoring case.
bool matches_at(std::u32string_view text, size_t i, std::string_view pattern) {
  if (text.size() - i < pattern.size()) return false;
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (!ignorecase_equal(text[i + k], pattern[k])) return false;
  }
  return true;
}

// Length of the contraction ('s 't 're 've 'm 'll 'd) at text[i], or 0.
size_t contraction_length(std::u32string_view text, size_t i) {
  if (text[i] != '\'') return 0;
  for (std::string_view tail : {"s", "t", "re", "ve", "m", "ll", "d"}) {
    if (i + 1 < text.size() && matches_at(text, i + 1, tail)) return 1 + tail.size();
  }
  return 0;
}

// [^\s\p{L}\p{N}] under IGNORECASE.
bool is_other(char32_t cp) {
  return !is_regex_space(cp) && !is_letter(cp) && !is_number(cp) && cp != kYpogegrammeni;
}

}  // namespace

ClipTokenizer ClipTokenizer::load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) {
  ClipTokenizer tokenizer;
  tokenizer.model_ = BpeModel::load(vocab_json, merges_txt, kEndOfWord);
  tokenizer.cache_ = std::make_shared<BpeCache>();
  tokenizer.sot_id_ = tokenizer.model_->find(kStartOfText);
  tokenizer.eot_id_ = tokenizer.model_->find(kEndOfText);
  if (tokenizer.sot_id_ < 0 || tokenizer.eot_id_ < 0) {
    throw Error(ErrorCode::kCorruptModel,
                "tokenizer file " + vocab_json.string() + ": no \"<|startoftext|>\" or \"<|endoftext|>\" token");
  }
  return tokenizer;
}

const BpeModel& ClipTokenizer::model() const {
  if (!model_) throw Error(ErrorCode::kInvalidArgument, "CLIP tokenizer used before it was loaded");
  return *model_;
}

int64_t ClipTokenizer::vocab_size() const { return model_ ? model_->size() : 0; }

std::string ClipTokenizer::normalize(std::string_view text) const {
  model();
  const std::u32string unescaped = html_unescape(html_unescape(decode_utf8(text)));
  std::u32string collapsed;
  collapsed.reserve(unescaped.size());
  bool in_space = false;  // re.sub(r"\s+", " ", text)
  for (char32_t cp : strip_python_space(unescaped)) {
    if (!is_regex_space(cp)) {
      collapsed.push_back(cp);
    } else if (!in_space) {
      collapsed.push_back(' ');
    }
    in_space = is_regex_space(cp);
  }
  return encode_utf8(to_lower(strip_python_space(collapsed)));
}

std::vector<std::string> ClipTokenizer::split_words(std::string_view normalized) const {
  model();
  const std::u32string text = decode_utf8(normalized);
  std::vector<std::string> words;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    if (matches_at(text, i, kStartOfText)) {
      end = i + kStartOfText.size();
    } else if (matches_at(text, i, kEndOfText)) {
      end = i + kEndOfText.size();
    } else if (size_t len = contraction_length(text, i); len > 0) {
      end = i + len;
    } else if (is_letter(text[i])) {
      end = i + 1;
      while (end < n && is_letter(text[end])) ++end;
    } else if (is_number(text[i])) {
      end = i + 1;  // digits are single pieces: "123" -> "1" "2" "3"
    } else if (is_other(text[i])) {
      end = i + 1;
      while (end < n && is_other(text[end])) ++end;
    } else {
      ++i;  // whitespace (and U+0345): matched by no alternative, skipped
      continue;
    }
    words.push_back(encode_utf8(std::u32string_view(text).substr(i, end - i)));
    i = end;
  }
  return words;
}

std::vector<int64_t> ClipTokenizer::encode_word(const std::string& piece) const {
  const BpeModel& bpe = model();
  if (piece == kStartOfText) return {sot_id_};
  if (piece == kEndOfText) return {eot_id_};
  std::vector<int64_t> ids;
  if (piece.empty() || cache_->lookup(piece, ids)) return ids;
  bpe.encode_word(piece, ids);
  cache_->insert(piece, ids);
  return ids;
}

std::vector<int64_t> ClipTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  for (const std::string& word : split_words(normalize(text))) {
    const std::vector<int64_t> word_ids = encode_word(word);
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  }
  return ids;
}

std::vector<int64_t> ClipTokenizer::encode_for_model(std::string_view text, int64_t context) const {
  if (context < 2) {
    throw Error(ErrorCode::kInvalidArgument,
                "CLIP context length must be at least 2 (start and end tokens), got " + std::to_string(context));
  }
  const std::vector<int64_t> ids = encode(text);
  const size_t n_body = std::min(ids.size(), static_cast<size_t>(context - 2));
  std::vector<int64_t> out;
  out.reserve(n_body + 2);
  out.push_back(sot_id_);
  out.insert(out.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n_body));
  out.push_back(eot_id_);
  return out;
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids) const {
  const BpeModel& bpe = model();
  std::string bytes;
  for (int64_t id : ids) {
    if (id < 0 || id >= bpe.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "CLIP token id " + std::to_string(id) + " outside 0.." + std::to_string(bpe.size() - 1));
    }
    bytes += bpe.token(id);
  }
  const std::string text = encode_utf8(decode_utf8(bytes));  // U+FFFD for ill-formed UTF-8, as the reference
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, kEndOfWord.size(), kEndOfWord) == 0) {
      out.push_back(' ');
      i += kEndOfWord.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace vidscribe::text
