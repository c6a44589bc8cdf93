#include "eval/caption_metrics.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace vidscribe::eval {
namespace {

struct NgramHash {
  size_t operator()(const Ngram& g) const {
    uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(g.n);
    for (int i = 0; i < g.n; ++i) h = (h ^ static_cast<uint32_t>(g.w[i])) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

}  // namespace

NgramList ngram_counts(const TokenIds& words) {
  std::vector<Ngram> all;
  int len = static_cast<int>(words.size());
  for (int k = 1; k <= 4; ++k)
    for (int i = 0; i + k <= len; ++i) {
      Ngram g;
      g.n = k;
      for (int j = 0; j < k; ++j) g.w[j] = words[i + j];
      all.push_back(g);
    }
  std::sort(all.begin(), all.end());
  NgramList out;
  for (const Ngram& g : all) {
    if (!out.empty() && out.back().first == g) ++out.back().second;
    else out.emplace_back(g, 1);
  }
  return out;
}

std::array<double, 4> bleu_pooled(const std::vector<ScoredPair>& pairs) {
  constexpr double kTiny = 1e-15, kSmall = 1e-9;
  std::array<double, 4> correct{}, guess{};
  double test_len = 0, ref_len = 0;
  for (const ScoredPair& p : pairs) {
    const NgramList& ref = *p.ref_ngrams;
    const NgramList& hyp = *p.hyp_ngrams;
    int tl = static_cast<int>(p.hyp->size());
    test_len += tl;
    ref_len += static_cast<double>(p.ref->size());  // one reference: the "closest" length is its length
    for (int k = 0; k < 4; ++k) guess[k] += std::max(0, tl - k);
    for (size_t i = 0, j = 0; i < hyp.size() && j < ref.size();) {
      if (hyp[i].first < ref[j].first) ++i;
      else if (ref[j].first < hyp[i].first) ++j;
      else {
        correct[hyp[i].first.n - 1] += std::min(hyp[i].second, ref[j].second);
        ++i, ++j;
      }
    }
  }
  std::array<double, 4> bleus{};
  double bleu = 1.0;
  for (int k = 0; k < 4; ++k) {
    bleu *= (correct[k] + kTiny) / (guess[k] + kSmall);
    bleus[k] = std::pow(bleu, 1.0 / (k + 1));
  }
  double ratio = (test_len + kTiny) / (ref_len + kSmall);
  if (ratio < 1)
    for (double& b : bleus) b *= std::exp(1 - 1 / ratio);
  return bleus;
}

double rouge_l_mean(const std::vector<ScoredPair>& pairs) {
  constexpr double kBeta = 1.2;
  if (pairs.empty()) return 0.0;
  double sum = 0;
  std::vector<int> row, prev;
  for (const ScoredPair& p : pairs) {
    const TokenIds& c = *p.hyp;
    const TokenIds& r = *p.ref;
    // Longest common subsequence by rows of the reference.
    prev.assign(c.size() + 1, 0);
    row.assign(c.size() + 1, 0);
    for (size_t i = 1; i <= r.size(); ++i) {
      for (size_t j = 1; j <= c.size(); ++j)
        row[j] = r[i - 1] == c[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
      std::swap(row, prev);
    }
    double lcs = prev[c.size()];
    double prec = lcs / static_cast<double>(c.size());
    double rec = lcs / static_cast<double>(r.size());
    double score = 0.0;
    if (prec != 0 && rec != 0) score = ((1 + kBeta * kBeta) * prec * rec) / (rec + kBeta * kBeta * prec);
    sum += score;
  }
  return sum / static_cast<double>(pairs.size());
}

double cider_d_mean(const std::vector<ScoredPair>& pairs) {
  constexpr double kSigma = 6.0;
  if (pairs.empty()) return 0.0;
  std::unordered_map<Ngram, int, NgramHash> df;
  for (const ScoredPair& p : pairs)
    for (const auto& [g, c] : *p.ref_ngrams) ++df[g];
  const double log_docs = std::log(static_cast<double>(pairs.size()));

  // TF-IDF weights aligned with a sorted count list.
  struct Vec {
    std::vector<double> x;
    std::array<double, 4> norm{};
    int length = 0;  // the official code counts bigrams here
  };
  auto to_vec = [&](const NgramList& counts) {
    Vec v;
    v.x.reserve(counts.size());
    for (const auto& [g, tf] : counts) {
      auto it = df.find(g);
      double d = std::log(std::max(1.0, it == df.end() ? 0.0 : static_cast<double>(it->second)));
      double x = tf * (log_docs - d);
      v.x.push_back(x);
      v.norm[g.n - 1] += x * x;
      if (g.n == 2) v.length += tf;
    }
    for (double& n : v.norm) n = std::sqrt(n);
    return v;
  };

  double total = 0;
  for (const ScoredPair& p : pairs) {
    const NgramList& hl = *p.hyp_ngrams;
    const NgramList& rl = *p.ref_ngrams;
    Vec h = to_vec(hl);
    Vec r = to_vec(rl);
    double delta = static_cast<double>(h.length - r.length);
    std::array<double, 4> val{};
    // min(hyp, ref) * ref over the hypothesis n-grams; those missing from the reference add 0.
    for (size_t i = 0, j = 0; i < hl.size() && j < rl.size();) {
      if (hl[i].first < rl[j].first) ++i;
      else if (rl[j].first < hl[i].first) ++j;
      else {
        val[hl[i].first.n - 1] += std::min(h.x[i], r.x[j]) * r.x[j];
        ++i, ++j;
      }
    }
    double score = 0;
    for (int n = 0; n < 4; ++n) {
      if (h.norm[n] != 0 && r.norm[n] != 0) val[n] /= h.norm[n] * r.norm[n];
      val[n] *= std::exp(-(delta * delta) / (2 * kSigma * kSigma));
      score += val[n];
    }
    total += score / 4.0 * 10.0;  // mean over n, one reference
  }
  return total / static_cast<double>(pairs.size());
}

}  // namespace vidscribe::eval
