#include "eval/densevid.h"

#include <algorithm>
#include <atomic>
#include <array>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "eval/caption_metrics.h"
#include "eval/ptb_tokenizer.h"
#include "util/fs.h"
#include "vidscribe/error.h"
#include "util/json_excerpt.h"

namespace vidscribe::eval {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, name + ": " + what);
}

json parse_json(const std::string& text, const std::string& name) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse errors, and numbers outside double's range (1e400)
    bad(name, std::string("not valid JSON (") + e.what() + ")");
  }
}

std::string read_text(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  return util::read_file(path);
}

// [start, end] as two numbers.
std::pair<double, double> parse_timestamp(const json& ts, const std::string& name, const std::string& where) {
  if (!ts.is_array() || ts.size() != 2 || !ts[0].is_number() || !ts[1].is_number())
    bad(name, where + ": a timestamp must be [start, end] with two numbers, got " + util::json_excerpt(ts));
  return {ts[0].get<double>(), ts[1].get<double>()};
}

}  // namespace

ReferenceFile parse_references(const std::string& text, const std::string& name) {
  json j = parse_json(text, name);
  if (!j.is_object()) bad(name, "a reference file is an object {video_id: {timestamps, sentences}}");
  ReferenceFile out;
  out.name = name;
  for (auto& [vid, v] : j.items()) {
    std::string where = "video " + vid;
    if (!v.is_object()) bad(name, where + ": expected an object with \"timestamps\" and \"sentences\"");
    if (!v.contains("timestamps")) bad(name, where + ": missing key \"timestamps\"");
    if (!v.contains("sentences")) bad(name, where + ": missing key \"sentences\"");
    const json& ts = v["timestamps"];
    const json& ss = v["sentences"];
    if (!ts.is_array() || !ss.is_array()) bad(name, where + ": \"timestamps\" and \"sentences\" must be arrays");
    if (ss.size() < ts.size())
      bad(name, where + ": " + std::to_string(ts.size()) + " timestamps but only " + std::to_string(ss.size()) +
                    " sentences");
    std::vector<Segment> segs;
    for (size_t i = 0; i < ts.size(); ++i) {
      auto [s, e] = parse_timestamp(ts[i], name, where + " timestamp " + std::to_string(i));
      if (!ss[i].is_string()) bad(name, where + ": sentence " + std::to_string(i) + " is not a string");
      segs.push_back({s, e, ss[i].get<std::string>()});
    }
    out.videos.emplace(vid, std::move(segs));
  }
  return out;
}

Submission parse_submission(const std::string& text, const std::string& name, int max_proposals) {
  json j = parse_json(text, name);
  if (!j.is_object()) bad(name, "a submission is an object {\"results\", \"version\", \"external_data\"}");
  for (const char* key : {"results", "version", "external_data"})
    if (!j.contains(key))
      bad(name, std::string("missing key \"") + key +
                    "\" (a submission has \"results\", \"version\" and \"external_data\")");
  const json& results = j["results"];
  if (!results.is_object()) bad(name, "\"results\" must be an object {video_id: [events]}");
  Submission out;
  out.name = name;
  size_t reversed = 0;
  for (auto& [vid, events] : results.items()) {
    std::string where = "results[\"" + vid + "\"]";
    if (!events.is_array()) bad(name, where + ": expected a list of {\"sentence\", \"timestamp\"}");
    std::vector<Segment> segs;
    for (size_t i = 0; i < events.size() && static_cast<int>(i) < max_proposals; ++i) {
      const json& ev = events[i];
      std::string w = where + "[" + std::to_string(i) + "]";
      if (!ev.is_object()) bad(name, w + ": expected {\"sentence\", \"timestamp\"}");
      if (!ev.contains("sentence")) bad(name, w + ": missing key \"sentence\"");
      if (!ev.contains("timestamp")) bad(name, w + ": missing key \"timestamp\"");
      if (!ev["sentence"].is_string()) bad(name, w + ": \"sentence\" must be a string");
      auto [s, e] = parse_timestamp(ev["timestamp"], name, w);
      if (e < s) ++reversed;
      segs.push_back({s, e, ev["sentence"].get<std::string>()});
    }
    if (segs.empty()) out.warnings.push_back(name + ": video " + vid + " has an empty list of predictions");
    out.videos.emplace(vid, std::move(segs));
  }
  if (results.empty()) out.warnings.push_back(name + ": \"results\" is empty; every score is 0");
  if (reversed > 0)
    out.warnings.push_back(name + ": " + std::to_string(reversed) +
                           " predictions end before they start; scored as written, like the official scorer");
  return out;
}

ReferenceFile load_references(const std::filesystem::path& path) {
  return parse_references(read_text(path), path.string());
}

Submission load_submission(const std::filesystem::path& path, int max_proposals) {
  return parse_submission(read_text(path), path.string(), max_proposals);
}

double tiou(double start_a, double end_a, double start_b, double end_b) {
  double intersection = std::max(0.0, std::min(end_b, end_a) - std::max(start_b, start_a));
  double uni = std::min(std::max(end_b, end_a) - std::min(start_b, start_a), end_b - start_b + end_a - start_a);
  return intersection / (uni + 1e-8);
}

namespace {

// Tokenized sentences, each once: the scorer's string and its word ids.
class SentenceTable {
 public:
  int add(const std::string& raw) {
    auto it = index_.find(raw);
    if (it != index_.end()) return it->second;
    int id = static_cast<int>(tokens_.size());
    index_.emplace(raw, id);
    std::string tok = tokenizer_.tokenize_caption(raw);
    ws_.push_back(ids(tok, /*split_nbsp=*/true));
    ngrams_.push_back(ngram_counts(ws_.back()));
    TokenIds sp = ids(tok, false);
    if (sp.empty()) sp.push_back(word_id(""));  // str.split(" ") of "" is [""]
    sp_.push_back(std::move(sp));
    tokens_.push_back(std::move(tok));
    return id;
  }
  const std::string& text(int id) const { return tokens_[id]; }
  const TokenIds& words(int id) const { return ws_[id]; }         // str.split()
  const TokenIds& space_words(int id) const { return sp_[id]; }   // str.split(" ")
  const NgramList& ngrams(int id) const { return ngrams_[id]; }     // of words(id)

 private:
  int32_t word_id(const std::string& w) {
    auto it = vocab_.find(w);
    if (it != vocab_.end()) return it->second;
    int32_t id = static_cast<int32_t>(vocab_.size());
    vocab_.emplace(w, id);
    return id;
  }
  TokenIds ids(const std::string& s, bool split_nbsp) {
    TokenIds out;
    std::string cur;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(word_id(cur));
      cur.clear();
    };
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == ' ') {
        flush();
      } else if (split_nbsp && s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
        flush();
        ++i;
      } else {
        cur += s[i];
      }
    }
    flush();
    return out;
  }

  PtbTokenizer tokenizer_;
  std::unordered_map<std::string, int> index_;
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> tokens_;
  std::vector<TokenIds> ws_, sp_;
  std::vector<NgramList> ngrams_;
};

struct VideoScores {
  std::array<double, 4> bleu{};
  double meteor = 0, rouge = 0, cider = 0;
};

// Runs fn(i) for i in [0, n) on `threads` workers; the first exception is rethrown.
template <typename Fn>
void parallel_for(size_t n, int threads, Fn fn) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n)));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

EvalResult evaluate(const std::vector<ReferenceFile>& references, const Submission& submission,
                    const EvalOptions& options) {
  if (references.empty()) throw Error(ErrorCode::kInvalidArgument, "no reference file given");
  if (options.tious.empty()) throw Error(ErrorCode::kInvalidArgument, "no tIoU threshold given");
  EvalResult result;
  result.tious = options.tious;
  result.warnings = submission.warnings;

  std::set<std::string> vid_set;
  for (const auto& ref : references)
    for (const auto& [vid, segs] : ref.videos) vid_set.insert(vid);
  const std::vector<std::string> vids(vid_set.begin(), vid_set.end());
  result.n_reference_videos = vids.size();
  result.n_predicted_videos = submission.videos.size();
  std::vector<std::string> unknown;
  for (const auto& [vid, segs] : submission.videos) {
    if (vid_set.count(vid)) ++result.n_matched_videos;
    else unknown.push_back(vid);
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size() && i < 3; ++i) list += (i ? ", " : "") + unknown[i];
    result.warnings.push_back(std::to_string(unknown.size()) + " predicted videos are in no reference file (" +
                              list + (unknown.size() > 3 ? ", ..." : "") + "); they are ignored");
  }
  const size_t n_vids = vids.size();
  const size_t n_tious = options.tious.size();

  // Per video: its predictions and, per reference file, its reference events.
  std::vector<const std::vector<Segment>*> preds(n_vids, nullptr);
  std::vector<std::vector<const std::vector<Segment>*>> refs(n_vids);
  for (size_t v = 0; v < n_vids; ++v) {
    auto it = submission.videos.find(vids[v]);
    if (it != submission.videos.end()) preds[v] = &it->second;
    for (const auto& ref : references) {
      auto r = ref.videos.find(vids[v]);
      if (r != ref.videos.end()) refs[v].push_back(&r->second);
    }
  }

  if (options.language) {
    // Pairs per tIoU and video, as sentence ids; unmatched predictions meet a garbage reference.
    SentenceTable table;
    std::mt19937_64 rng(options.seed);
    auto garbage = [&]() -> int {
      if (options.profile == Profile::k2018) return table.add("abc123!@#");
      int len = std::uniform_int_distribution<int>(10, 20)(rng);
      std::string w;
      for (int i = 0; i < len; ++i) w += static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(rng));
      return table.add(w);
    };
    std::vector<std::vector<std::vector<std::pair<int, int>>>> pairs(
        n_tious, std::vector<std::vector<std::pair<int, int>>>(n_vids));
    for (size_t t = 0; t < n_tious; ++t) {
      for (size_t v = 0; v < n_vids; ++v) {
        if (!preds[v]) continue;
        for (const Segment& p : *preds[v]) {
          int hyp = table.add(p.sentence);
          bool added = false;
          for (const auto* segs : refs[v])
            for (const Segment& r : *segs)
              if (tiou(p.start_s, p.end_s, r.start_s, r.end_s) >= options.tious[t]) {
                pairs[t][v].emplace_back(hyp, table.add(r.sentence));
                added = true;
              }
          if (!added) pairs[t][v].emplace_back(hyp, garbage());
        }
      }
    }

    std::vector<std::vector<VideoScores>> scores(n_tious, std::vector<VideoScores>(n_vids));
    parallel_for(n_tious * n_vids, options.threads, [&](size_t task) {
      size_t t = task / n_vids, v = task % n_vids;
      const auto& items = pairs[t][v];
      if (items.empty()) return;
      std::vector<ScoredPair> ws, sp;
      std::vector<std::pair<const std::string*, const std::string*>> texts;
      for (auto [h, r] : items) {
        ws.push_back({&table.words(h), &table.words(r), &table.ngrams(h), &table.ngrams(r)});
        sp.push_back({&table.space_words(h), &table.space_words(r)});
        texts.emplace_back(&table.text(h), &table.text(r));
      }
      VideoScores& s = scores[t][v];
      s.bleu = bleu_pooled(ws);
      s.rouge = rouge_l_mean(sp);
      s.cider = cider_d_mean(ws);
      if (options.meteor) s.meteor = options.meteor(texts);
    });

    auto mean_over_videos = [&](size_t t, auto get) {
      double sum = 0;
      for (size_t v = 0; v < n_vids; ++v) sum += get(scores[t][v]);
      return n_vids ? sum / static_cast<double>(n_vids) : 0.0;
    };
    for (size_t t = 0; t < n_tious; ++t) {
      for (int k = 0; k < 4; ++k)
        result.per_tiou["Bleu_" + std::to_string(k + 1)].push_back(
            mean_over_videos(t, [k](const VideoScores& s) { return s.bleu[k]; }));
      if (options.meteor)
        result.per_tiou["METEOR"].push_back(mean_over_videos(t, [](const VideoScores& s) { return s.meteor; }));
      result.per_tiou["ROUGE_L"].push_back(mean_over_videos(t, [](const VideoScores& s) { return s.rouge; }));
      result.per_tiou["CIDEr"].push_back(mean_over_videos(t, [](const VideoScores& s) { return s.cider; }));
    }
    result.metrics = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
    if (options.meteor) result.metrics.push_back("METEOR");
    result.metrics.push_back("ROUGE_L");
    result.metrics.push_back("CIDEr");
  }

  // Recall / Precision: tIoU > t, per reference file, the best file kept.
  for (size_t t = 0; t < n_tious; ++t) {
    double sum_p = 0, sum_r = 0;
    for (size_t v = 0; v < n_vids; ++v) {
      double best_p = 0, best_r = 0;
      for (const auto* segs : refs[v]) {
        std::vector<char> ref_hit(segs->size(), 0);
        size_t pred_hits = 0;
        if (preds[v]) {
          for (const Segment& p : *preds[v]) {
            bool hit = false;
            for (size_t r = 0; r < segs->size(); ++r)
              if (tiou(p.start_s, p.end_s, (*segs)[r].start_s, (*segs)[r].end_s) > options.tious[t]) {
                ref_hit[r] = 1;
                hit = true;
              }
            pred_hits += hit;
          }
          if (!preds[v]->empty())
            best_p = std::max(best_p, static_cast<double>(pred_hits) / static_cast<double>(preds[v]->size()));
        }
        if (!segs->empty()) {
          double covered = static_cast<double>(std::count(ref_hit.begin(), ref_hit.end(), 1));
          best_r = std::max(best_r, covered / static_cast<double>(segs->size()));
        }
      }
      sum_p += best_p;
      sum_r += best_r;
    }
    result.per_tiou["Recall"].push_back(n_vids ? sum_r / static_cast<double>(n_vids) : 0.0);
    result.per_tiou["Precision"].push_back(n_vids ? sum_p / static_cast<double>(n_vids) : 0.0);
  }
  result.metrics.push_back("Recall");
  result.metrics.push_back("Precision");

  for (const auto& [metric, values] : result.per_tiou) {
    double sum = 0;
    for (double x : values) sum += x;
    result.average[metric] = sum / static_cast<double>(values.size());
  }
  return result;
}

}  // namespace vidscribe::eval
