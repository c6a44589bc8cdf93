// CLIP's BPE tokenizer (OpenAI's simple_tokenizer.py without ftfy), read from a Hugging Face vocab.json +
// merges.txt such as those of the openai/clip-vit-* repositories.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vidscribe/error.h"

namespace vidscribe::text {

class BpeCache;
class BpeModel;

// Thread-safe: every method is const and may be called from many threads at once (the BPE cache is guarded).
// Copies are cheap and share the vocabulary and the cache.
class ClipTokenizer {
 public:
  // The context length of every released CLIP text encoder.
  static constexpr int64_t kContextLength = 77;

  // An empty tokenizer; every method but vocab_size() (0) throws Error(kInvalidArgument) until a loaded one is
  // assigned.
  ClipTokenizer() = default;

  // Reads the vocabulary and the merges (words end in "</w>"). Throws Error(kNotFound) naming a missing file,
  // Error(kCorruptModel) naming the file (and line) for malformed JSON, a malformed merges line, an inconsistent
  // vocabulary, or one without "<|startoftext|>" / "<|endoftext|>".
  static ClipTokenizer load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);

  // Token ids of `text` (UTF-8) without start/end tokens:
  // concat of encode_word(w) for w in split_words(normalize(text)).
  std::vector<int64_t> encode(std::string_view text) const;

  // What the text encoder reads: sot_id(), encode(text), eot_id(), cut to `context` tokens with the end token
  // kept last (OpenAI's clip.tokenize(truncate=True)); NOT padded. Throws Error(kInvalidArgument) if context < 2.
  std::vector<int64_t> encode_for_model(std::string_view text, int64_t context = kContextLength) const;

  // Text of the ids as the reference decodes it: token bytes joined, decoded as UTF-8 with U+FFFD for
  // ill-formed sequences, then every "</w>" replaced by a space ("a photo" -> "a photo "). Throws
  // Error(kInvalidArgument) for an id outside the vocabulary.
  std::string decode(const std::vector<int64_t>& ids) const;

  // CLIP's text clean-up, ftfy excepted: ill-formed UTF-8 -> U+FFFD, HTML unescape twice (Python's
  // html.unescape rules; named references of HTML 4.01 plus &apos;, see docs/tokenizers.md), strip, runs of
  // whitespace -> one space, strip, Python's str.lower(). Returns UTF-8.
  std::string normalize(std::string_view text) const;

  // CLIP's pre-tokenizer on normalized text (UTF-8):
  //   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
  // matched case-insensitively as the reference does; whitespace between pieces is dropped.
  std::vector<std::string> split_words(std::string_view normalized) const;

  // BPE ids of one piece of split_words(), the last symbol carrying "</w>"; the pieces "<|startoftext|>" and
  // "<|endoftext|>" give sot_id() and eot_id(). An empty piece gives no ids.
  std::vector<int64_t> encode_word(const std::string& piece) const;

  int64_t sot_id() const { return sot_id_; }  // "<|startoftext|>", 49406 in the released vocabularies
  int64_t eot_id() const { return eot_id_; }  // "<|endoftext|>", 49407
  int64_t vocab_size() const;

 private:
  const BpeModel& model() const;

  std::shared_ptr<const BpeModel> model_;
  std::shared_ptr<BpeCache> cache_;
  int64_t sot_id_ = -1;
  int64_t eot_id_ = -1;
};

}  // namespace vidscribe::text
