// WordNet 3.0 synonym sets as METEOR 1.5's synonym module looks them up, read from the WordNet database files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace vidscribe::eval {

// A synset id as METEOR's extract (english.synsets) keys synsets: the byte offset of the synset in the released
// WordNet 3.0 data.<pos> file, whatever the part of speech. So a noun and a verb synset that share an offset
// merge, and METEOR treats their words as synonyms ("able" and "breathe", "down" and "standing"); this is kept.
//
// Debian's wordnet-base rebuilds the database from the lexicographer sources with two small patches, which move
// some byte offsets: verbs from 00613036 up to 02422967 sit 18 bytes later (one pointer moved from one synset to
// another), adjectives from 01681478 on 1 byte later (a missing space inserted). load() recognises that layout
// (a synset must start at each of those offsets) and maps the offsets back to the released ones; with these
// ids every one of WordNet's 147,306 words has exactly METEOR's synsets (tests/eval/wordnet_test.cpp).
using SynsetId = int64_t;

class WordNet {
 public:
  // Reads index.{noun,verb,adj,adv} and {noun,verb,adj,adv}.exc from `dir` (Debian: /usr/share/wordnet).
  // Throws vidscribe::Error (kNotFound) naming the missing file.
  static WordNet load(const std::filesystem::path& dir);

  // The default folder: $VIDSCRIBE_WORDNET_DIR, else $WNSEARCHDIR, else /usr/share/wordnet.
  static std::filesystem::path default_dir();

  // Synsets that list `word` (lower case, multi-word lemmas joined by '_'); sorted, empty when unknown.
  const std::vector<SynsetId>& synsets(const std::string& word) const;

  // METEOR's SynonymDictionary.getStemSynSets: the synsets of the word's base forms from the exception lists
  // when it has any, else of WordNet's suffix rules' first base form that is a known word (morphy).
  std::vector<SynsetId> stem_synsets(const std::string& word) const;

  // getSynSets + getStemSynSets, sorted and unique: what METEOR compares between two words.
  std::vector<SynsetId> all_synsets(const std::string& word) const;

  // Base forms of an irregular form from the exception lists (empty when none).
  const std::vector<std::string>& exception_bases(const std::string& form) const;

  size_t n_words() const { return synsets_.size(); }
  // True when the files had Debian's rebuilt layout and offsets were mapped back to the released ones.
  bool remapped_debian_offsets() const { return remapped_; }

 private:
  std::string morph(const std::string& word) const;
  std::unordered_map<std::string, std::vector<SynsetId>> synsets_;
  std::unordered_map<std::string, std::vector<std::string>> exceptions_;
  bool remapped_ = false;
};

}  // namespace vidscribe::eval
