// GPT-2's byte-level BPE tokenizer (OpenAI's encoder.py), read from a Hugging Face vocab.json + merges.txt.
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
class Gpt2Tokenizer {
 public:
  // An empty tokenizer; every method but vocab_size() (0) throws Error(kInvalidArgument) until a loaded one is
  // assigned.
  Gpt2Tokenizer() = default;

  // Reads the vocabulary and the merges. Throws Error(kNotFound) naming a missing file, Error(kCorruptModel)
  // naming the file (and line) for malformed JSON, a malformed merges line or an inconsistent vocabulary.
  static Gpt2Tokenizer load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);

  // Token ids of `text` (UTF-8), no special tokens: GPT-2's pre-tokenizer pattern
  //   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  // then BPE of each piece's bytes. "<|endoftext|>" in the text is ordinary text. Ill-formed UTF-8 is
  // replaced by U+FFFD (one per maximal ill-formed subsequence, as Python's errors="replace") before encoding.
  std::vector<int64_t> encode(std::string_view text) const;

  // Concatenated bytes of the tokens. The result may end in (or contain) an incomplete UTF-8 sequence when
  // the ids split a character: it is kept as bytes, the caller decides. Throws Error(kInvalidArgument) for an
  // id outside 0..vocab_size()-1.
  std::string decode(const std::vector<int64_t>& ids) const;

  // The raw bytes token `id` stands for, e.g. " cat" (not necessarily valid UTF-8). Throws like decode().
  std::string token_bytes(int64_t id) const;

  // "<|endoftext|>" (50256 for GPT-2). Throws Error(kCorruptModel) at load if the vocabulary lacks it.
  int64_t eos_id() const { return eos_id_; }
  int64_t vocab_size() const;

 private:
  const BpeModel& model() const;

  std::shared_ptr<const BpeModel> model_;
  std::shared_ptr<BpeCache> cache_;
  int64_t eos_id_ = -1;
};

// GPT-2's pre-tokenizer: the pieces of `text` (already valid UTF-32) in order; they concatenate to `text`.
std::vector<std::u32string_view> gpt2_split(std::u32string_view text);

}  // namespace vidscribe::text
