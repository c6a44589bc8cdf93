#include "eval/soda.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "eval/ptb_tokenizer.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {

double order_preserving_max(const std::vector<std::vector<double>>& scores) {
  if (scores.empty() || scores[0].empty()) return 0.0;
  const size_t rows = scores.size(), cols = scores[0].size();
  // dp[i][j] = max(dp[i-1][j], dp[i][j-1], dp[i-1][j-1] + s[i][j]), rows outside the table counting 0.
  std::vector<double> prev(cols + 1, 0.0), cur(cols + 1, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) cur[j + 1] = std::max({prev[j + 1], cur[j], prev[j] + scores[i][j]});
    std::swap(prev, cur);
  }
  return prev[cols];
}

namespace {

struct VideoScore {
  double p = 0, r = 0, f = 0;
};

VideoScore score_video(const std::vector<const std::string*>& pred_text, const std::vector<Segment>& preds,
                       const std::vector<const std::string*>& ref_text, const std::vector<const Segment*>& refs,
                       const Meteor& meteor) {
  VideoScore out;
  if (preds.empty() || refs.empty()) return out;
  std::vector<std::vector<double>> s(refs.size(), std::vector<double>(preds.size(), 0.0));
  for (size_t g = 0; g < refs.size(); ++g)
    for (size_t p = 0; p < preds.size(); ++p) {
      const double iou = tiou(preds[p].start_s, preds[p].end_s, refs[g]->start_s, refs[g]->end_s);
      if (iou > 0) s[g][p] = iou * meteor.sentence_score(*ref_text[g], *pred_text[p]);
    }
  const double total = order_preserving_max(s);
  out.p = total / static_cast<double>(preds.size());
  out.r = total / static_cast<double>(refs.size());
  out.f = out.p + out.r > 0 ? 2 * out.p * out.r / (out.p + out.r) : 0.0;
  return out;
}

}  // namespace

SodaResult soda_c(const std::vector<ReferenceFile>& references, const Submission& submission, const Meteor& meteor,
                  const SodaOptions& options) {
  if (references.empty()) throw Error(ErrorCode::kInvalidArgument, "no reference file given");
  std::set<std::string> ref_vids;
  for (const auto& r : references)
    for (const auto& [vid, segs] : r.videos) ref_vids.insert(vid);
  std::vector<std::string> vids;
  for (const auto& [vid, segs] : submission.videos)
    if (ref_vids.count(vid)) vids.push_back(vid);

  // Tokenize every sentence once (the tokenizer is not thread-safe).
  PtbTokenizer tokenizer;
  std::unordered_map<std::string, std::string> tokens;
  auto tok = [&](const std::string& raw) -> const std::string* {
    auto it = tokens.find(raw);
    if (it == tokens.end()) it = tokens.emplace(raw, tokenizer.tokenize_caption(raw)).first;
    return &it->second;
  };
  struct Work {
    std::vector<Segment> preds;  // sorted by start
    std::vector<const std::string*> pred_text;
    std::vector<std::vector<const Segment*>> refs;  // per reference group (merged: one group)
    std::vector<std::vector<const std::string*>> ref_text;
  };
  std::vector<Work> work(vids.size());
  for (size_t v = 0; v < vids.size(); ++v) {
    Work& w = work[v];
    w.preds = submission.videos.at(vids[v]);
    std::stable_sort(w.preds.begin(), w.preds.end(),
                     [](const Segment& a, const Segment& b) { return a.start_s < b.start_s; });
    for (const auto& p : w.preds) w.pred_text.push_back(tok(p.sentence));
    for (const auto& r : references) {
      auto it = r.videos.find(vids[v]);
      if (it == r.videos.end()) continue;
      if (options.multi_reference || w.refs.empty()) {
        w.refs.emplace_back();
        w.ref_text.emplace_back();
      }
      for (const auto& seg : it->second) {
        w.refs.back().push_back(&seg);
        w.ref_text.back().push_back(tok(seg.sentence));
      }
    }
  }

  // Each reference group sorted by start time too (stable), as soda.py's loader does.
  for (auto& w : work)
    for (size_t g = 0; g < w.refs.size(); ++g) {
      std::vector<size_t> order(w.refs[g].size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return w.refs[g][a]->start_s < w.refs[g][b]->start_s; });
      const auto segs = w.refs[g];
      const auto texts = w.ref_text[g];
      for (size_t i = 0; i < order.size(); ++i) {
        w.refs[g][i] = segs[order[i]];
        w.ref_text[g][i] = texts[order[i]];
      }
    }
  std::vector<VideoScore> scores(vids.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t v; (v = next.fetch_add(1)) < work.size();) {
      try {
        const Work& w = work[v];
        VideoScore best;
        bool first = true;
        for (size_t g = 0; g < w.refs.size(); ++g) {
          VideoScore s = score_video(w.pred_text, w.preds, w.ref_text[g], w.refs[g], meteor);
          if (first || s.f > best.f) best = s;  // numpy argmax: the first best file
          first = false;
        }
        scores[v] = best;
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = work.size();
      }
    }
  };
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(work.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);

  SodaResult out;
  out.n_videos = vids.size();
  for (const auto& s : scores) {
    out.precision += s.p;
    out.recall += s.r;
    out.f1 += s.f;
  }
  if (!scores.empty()) {
    out.precision /= static_cast<double>(scores.size());
    out.recall /= static_cast<double>(scores.size());
    out.f1 /= static_cast<double>(scores.size());
  }
  return out;
}

}  // namespace vidscribe::eval
