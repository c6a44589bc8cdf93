// METEOR 1.5's paraphrase table (paraphrase-en.gz): which phrases may stand for which, read for the
// paraphrase matching module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vidscribe::eval {

// The table as METEOR's ParaphraseTransducer holds it. The file is a sequence of three-line entries:
//   probability            (a number; METEOR ignores it, so does this class)
//   reference phrase       (white-space separated words, lower case as METEOR's -norm leaves them)
//   paraphrase phrase
// gzip-compressed (METEOR's paraphrase-en.gz) or plain text. Words are mapped to ids; a phrase is a list of ids.
//
// Entries with an empty phrase on either side are skipped (METEOR never looks up an empty reference phrase, and
// an empty paraphrase would match a zero-length span anywhere).
//
// Thread safety: const methods may be called from several threads at once.
class ParaphraseTable {
 public:
  ParaphraseTable() = default;

  // Reads `file`. Throws vidscribe::Error: kNotFound when it does not exist, kIo when it cannot be read or
  // decompressed, kInvalidArgument naming the line when an entry is cut short or its first line is not a
  // number (a file that is not a paraphrase table). `progress`, when set, is called now and then with the
  // bytes of the file read so far and the file's size (real tables take seconds to load).
  static ParaphraseTable load(const std::filesystem::path& file,
                              const std::function<void(uint64_t done, uint64_t total)>& progress = {});

  // The same from the (decompressed) text; `name` is used in error messages.
  static ParaphraseTable parse(std::string_view text, const std::string& name = "paraphrase table");

  // The id of a word, -1 when no phrase of the table contains it.
  int word_id(const std::string& word) const;

  // Every entry whose reference phrase equals words[start, start + length) for some length >= 1, as
  // (length, entry) pairs: shorter phrases first, entries of one phrase in file order (the order
  // ParaphraseTransducer.getReferencePaths gives). Ids of -1 match nothing.
  std::vector<std::pair<int, int>> reference_paths(const std::vector<int>& words, size_t start) const;

  // A phrase: word ids [begin, end), valid as long as the table.
  struct Phrase {
    const int32_t* begin;
    const int32_t* end;
    size_t size() const { return static_cast<size_t>(end - begin); }
  };
  Phrase reference(int entry) const;
  Phrase paraphrase(int entry) const;

  size_t n_entries() const { return entries_.size(); }

 private:
  // Both phrases of an entry live in words_ (tables have millions of entries, so no vector per phrase).
  struct Entry {
    uint32_t reference_offset, paraphrase_offset;
    uint16_t reference_length, paraphrase_length;
  };
  // Makes the entries from the (offset, length) spans of the phrase lines, two per entry, and sorts them.
  void finish(const std::vector<std::pair<uint32_t, uint32_t>>& spans);

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<int32_t> words_;
  std::vector<Entry> entries_;
  std::vector<int32_t> by_reference_;  // entry ids sorted by reference phrase, ties in file order
};

}  // namespace vidscribe::eval
