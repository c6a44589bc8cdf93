// METEOR 1.5 (English; exact, stem, synonym and, given its table, paraphrase modules) as the official caption
// scorers run meteor-1.5.jar.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "eval/paraphrase.h"
#include "eval/wordnet.h"

namespace vidscribe::eval {

// METEOR's sufficient statistics of one (test, reference) pair, or their sum over many pairs. Word counts.
// Index k of the per-module arrays: 0 exact, 1 stem, 2 synonym, 3 paraphrase.
constexpr size_t kMeteorModules = 4;
struct MeteorStats {
  double test_length = 0, reference_length = 0;
  double test_function_words = 0, reference_function_words = 0;
  double test_total_matches = 0, reference_total_matches = 0;
  std::array<double, kMeteorModules> test_content{}, reference_content{}, test_function{}, reference_function{};
  double chunks = 0;
  double test_word_matches = 0, reference_word_matches = 0;

  // Sums statistics as METEOR's EVAL does (MeteorStats.addStats), with its one rule beyond a plain sum: the
  // chunk of an item matched perfectly (every word of both sides, in one chunk) is not added.
  MeteorStats& operator+=(const MeteorStats& o);
};

// The parameters of METEOR 1.5's English "rank" task, the default of meteor-1.5.jar -l en.
struct MeteorParams {
  double alpha = 0.85;  // precision/recall balance of Fmean
  double beta = 0.2;    // fragmentation penalty exponent
  double gamma = 0.6;   // fragmentation penalty weight
  double delta = 0.75;  // content (delta) vs function word (1 - delta) weight
  std::array<double, kMeteorModules> module_weights{1.0, 0.6, 0.8, 0.6};  // exact, stem, synonym, paraphrase
  int beam_size = 40;
};

// The folder with english.words and english.prefixes: $VIDSCRIBE_METEOR_DIR, else data/meteor or
// ../share/vidscribe/meteor beside the running executable, else the source tree's data/meteor (compiled in).
// Throws vidscribe::Error (kNotFound) listing the places tried.
std::filesystem::path find_meteor_data_dir();

// METEOR's line normaliser (-norm: Normalizer.normalizeLine for English, punctuation kept) followed by
// lower-casing, on UTF-8 text (ill-formed bytes become U+FFFD): Java's character classes (its Latin and Cyrillic
// letter ranges, ASCII digits and white space), curly quotes and en dashes folded, Unicode space separators
// (the no-break space PTBTokenizer puts in "7 1/2") made spaces, Java's full lower-case mapping.
std::string meteor_normalize(std::string_view line, const std::unordered_map<std::string, int>& prefixes);

// A METEOR scorer. Thread safety: all const methods may be called from several threads at once.
class Meteor {
 public:
  // Loads the word lists from `data_dir` and WordNet from `wordnet_dir`. With `paraphrases` the paraphrase
  // module runs too (meteor-1.5.jar with its paraphrase-en.gz); without, the three other modules only (the jar
  // without the table). Throws vidscribe::Error.
  Meteor(const std::filesystem::path& data_dir, const std::filesystem::path& wordnet_dir, MeteorParams params = {},
         std::shared_ptr<const ParaphraseTable> paraphrases = nullptr);
  ~Meteor();
  Meteor(const Meteor&) = delete;
  Meteor& operator=(const Meteor&) = delete;

  // Statistics of `test` against its best-scoring reference, as `SCORE ||| ref ||| ... ||| test` on
  // meteor-1.5.jar -stdio -norm does (normalised, lower-cased, aligned). `references` must not be empty.
  MeteorStats stats(const std::string& test, const std::vector<std::string>& references) const;

  // The score of (summed) statistics: Fmean * (1 - penalty), 0 where undefined (MeteorScorer.computeMetrics).
  double score(const MeteorStats& stats) const;

  // What pycocoevalcap's Meteor.compute_score returns for single-reference items: the score of the summed
  // statistics (EVAL ||| stats ||| ...), with its "|||" and double-space clean-up of each hypothesis.
  double pooled_score(const std::vector<std::pair<const std::string*, const std::string*>>& hyp_ref) const;

  // One item's score as compute_score's per-item list gives it.
  double sentence_score(const std::string& hypothesis, const std::string& reference) const;

  const WordNet& wordnet() const { return wordnet_; }
  bool has_paraphrases() const { return paraphrases_ != nullptr; }
  // The Snowball English stem of a word (libstemmer).
  std::string stem(const std::string& word) const;

 private:
  struct Word;
  struct Sentence;
  std::shared_ptr<const Sentence> sentence(const std::string& line) const;
  const Word& word(const std::string& w) const;
  MeteorStats align(const Sentence& test, const Sentence& ref) const;

  MeteorParams params_;
  std::unordered_set<std::string> function_words_;
  std::unordered_map<std::string, int> prefixes_;  // 1 any, 2 numeric only
  WordNet wordnet_;
  std::shared_ptr<const ParaphraseTable> paraphrases_;
  struct StemmerHandle;
  std::unique_ptr<StemmerHandle> stemmer_;
  mutable std::mutex mutex_;  // guards the caches and the stemmer
  mutable std::unordered_map<std::string, std::unique_ptr<Word>> words_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Sentence>> sentences_;
};

}  // namespace vidscribe::eval
