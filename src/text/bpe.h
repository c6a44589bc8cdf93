// Byte-level BPE shared by the GPT-2 and CLIP tokenizers: the vocabulary and merge table read from the
// Hugging Face files (vocab.json, merges.txt), and the merge loop with a thread-safe cache.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vidscribe::text {

// The printable stand-in for each byte that byte-level BPE files use (GPT-2's bytes_to_unicode):
// printable Latin-1 bytes stand for themselves, the others map to U+0100 onwards.
const std::array<char32_t, 256>& byte_to_unicode();

// An immutable vocabulary + merge table. Tokens are held as the raw bytes they stand for; for CLIP the
// end-of-word marker is part of the bytes ("cat</w>"), exactly as in the files.
class BpeModel {
 public:
  // Reads `vocab_json` (an object token -> id with ids 0..N-1, each used once) and `merges_txt` (an optional
  // "#version" line, then one "left right" pair a line, best first). `end_of_word` is "" for GPT-2 and "</w>"
  // for CLIP: the last symbol of a word then starts as "<byte></w>". Every single byte (and, with an
  // end-of-word marker, every "<byte></w>") must be a token, and both halves and the result of every merge.
  // Throws Error(kNotFound) for a missing file and Error(kCorruptModel) naming the file (and line) otherwise.
  static std::shared_ptr<const BpeModel> load(const std::filesystem::path& vocab_json,
                                              const std::filesystem::path& merges_txt, std::string_view end_of_word);

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  // Bytes of token `id`. REQUIRES: 0 <= id < size().
  const std::string& token(int64_t id) const { return tokens_[static_cast<size_t>(id)]; }
  // Id of the token with these bytes, or -1.
  int64_t find(std::string_view bytes) const;

  // Appends the BPE ids of one pre-tokenized word given as bytes (non-empty). Pure function of the model.
  void encode_word(std::string_view bytes, std::vector<int64_t>& out) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }

  std::vector<std::string> tokens_;                    // id -> bytes
  std::unordered_map<std::string, int32_t> ids_;      // bytes -> id
  std::array<int32_t, 256> byte_ids_{};               // a byte inside a word
  std::array<int32_t, 256> last_byte_ids_{};          // a byte ending a word (== byte_ids_ for GPT-2)
  std::unordered_map<uint64_t, Merge> merges_;        // (left id, right id) -> rank, merged id
};

// Word -> ids memo shared by copies of a tokenizer; safe for concurrent use. Bounded: it is emptied when it
// reaches kMaxEntries, so memory stays small whatever text goes through.
class BpeCache {
 public:
  static constexpr size_t kMaxEntries = 1 << 16;
  // Appends the cached ids of `word` to `out` and returns true, or returns false.
  bool lookup(const std::string& word, std::vector<int64_t>& out) const;
  void insert(const std::string& word, std::vector<int64_t> ids);

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<int64_t>> map_;
};

}  // namespace vidscribe::text
