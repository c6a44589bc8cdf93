// Caption metrics of pycocoevalcap (BLEU, ROUGE-L, CIDEr-D) over tokenized single-reference items.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace vidscribe::eval {

// A tokenized sentence as word ids (ids come from one shared vocabulary).
using TokenIds = std::vector<int32_t>;

// An n-gram (n <= 4) of word ids, ordered for merging sorted count lists.
struct Ngram {
  std::array<int32_t, 4> w{-1, -1, -1, -1};
  int n = 0;
  bool operator==(const Ngram& o) const { return n == o.n && w == o.w; }
  bool operator<(const Ngram& o) const { return n != o.n ? n < o.n : w < o.w; }
};
// The 1..4-gram counts of a sentence, sorted by n-gram.
using NgramList = std::vector<std::pair<Ngram, int>>;
NgramList ngram_counts(const TokenIds& words);

// One scored pair: a hypothesis and its single reference, with their n-gram counts (ngram_counts of the same
// words, computed once per sentence by the caller). The pointers must outlive the call.
struct ScoredPair {
  const TokenIds* hyp = nullptr;
  const TokenIds* ref = nullptr;
  const NgramList* hyp_ngrams = nullptr;  // required by BLEU and CIDEr-D
  const NgramList* ref_ngrams = nullptr;
};

// BLEU@1..4 of pycocoevalcap's BleuScorer (option "closest", correct/guess pooled over all pairs, tiny 1e-15
// and small 1e-9 smoothing, brevity penalty from the pooled lengths). Tokens as str.split().
std::array<double, 4> bleu_pooled(const std::vector<ScoredPair>& pairs);

// Mean ROUGE-L (beta 1.2) over the pairs. Tokens as str.split(" "): pass an empty sentence as one empty word.
double rouge_l_mean(const std::vector<ScoredPair>& pairs);

// CIDEr-D (n 1..4, sigma 6, clipped, x10, length penalty from bigram counts) with document frequencies from
// these pairs' references only; the mean over pairs. One pair scores 0 (log of one document).
double cider_d_mean(const std::vector<ScoredPair>& pairs);

}  // namespace vidscribe::eval
