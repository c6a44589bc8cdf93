#include "library/search.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "library/kernels.h"
#include "models/cache.h"
#include "text/unicode.h"
#include "util/file_hash.h"
#include "util/log.h"
#include "vidscribe/error.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::library {
namespace fs = std::filesystem;

void check_search_options(const SearchOptions& o) {
  const auto fail = [](const std::string& m) { throw Error(ErrorCode::kInvalidArgument, m); };
  if (o.top < 1 || o.top > 10000) fail("--top must be in [1, 10000], got " + std::to_string(o.top));
  if (o.mode != "frames" && o.mode != "captions" && o.mode != "both") fail("--mode " + o.mode + ": expected frames, captions or both");
  if (o.per_video < 1 || o.per_video > 10000) fail("--per-video must be in [1, 10000], got " + std::to_string(o.per_video));
  if (!(o.frame_level >= 0 && o.frame_level <= 1)) fail("--frame-level must be in [0, 1]");
  if (!(o.text_weight >= 0 && o.text_weight <= 100)) fail("--text-weight must be in [0, 100]");
  if (!(o.nms_iou > 0 && o.nms_iou <= 1)) fail("--nms-iou must be in (0, 1]");
  if (std::isnan(o.min_score)) fail("--min-score must be a number");
  if (o.candidates < 0 || o.candidates > 1000000) fail("--candidates must be in [0, 1000000]");
}

std::string fts_query(const std::string& text) {
  if (!text::is_valid_utf8(text)) throw Error(ErrorCode::kInvalidArgument, "the query is not valid UTF-8 text");
  std::vector<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && words.size() < 64) words.push_back(word);
    word.clear();
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || std::isalnum(c)) {
      word += ch;
    } else {
      flush();
    }
  }
  flush();
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += " OR ";
    out += "\"" + w + "\"";  // quoted: a word, never an FTS5 operator or column filter
  }
  return out;
}

namespace {

struct Span {
  double start_s = 0, end_s = 0;
  double frame_score = -std::numeric_limits<double>::infinity();
  double best_frame_s = 0;
  double text_score = 0;
  bool from_frames = false;
};

double iou(const Span& a, const Span& b) {
  const double inter = std::max(0.0, std::min(a.end_s, b.end_s) - std::max(a.start_s, b.start_s));
  const double uni = std::max(a.end_s, b.end_s) - std::min(a.start_s, b.start_s);
  return uni > 0 ? inter / uni : (a.start_s == b.start_s ? 1.0 : 0.0);
}

bool overlaps(double a0, double a1, double b0, double b1) { return a0 <= b1 && b0 <= a1; }

// One video's frames scored against the query.
struct Curve {
  std::vector<double> times;
  std::vector<double> scores;
  double duration_s = 0;
  double spacing = 0;  // median gap between frames

  // The best frame in [a, b] (the nearest frame when none lies inside).
  std::pair<double, double> best_in(double a, double b) const {
    double best = -std::numeric_limits<double>::infinity(), at = a;
    for (size_t i = 0; i < times.size(); ++i) {
      if (times[i] >= a && times[i] <= b && scores[i] > best) {
        best = scores[i];
        at = times[i];
      }
    }
    if (std::isinf(best) && !times.empty()) {
      size_t nearest = 0;
      for (size_t i = 1; i < times.size(); ++i) {
        if (std::abs(times[i] - (a + b) / 2) < std::abs(times[nearest] - (a + b) / 2)) nearest = i;
      }
      best = scores[nearest];
      at = times[nearest];
    }
    return {best, at};
  }
};

Curve curve_of(const FrameSet& set, const std::vector<float>& query, double duration_s) {
  Curve c;
  c.times = set.times_s;
  c.duration_s = duration_s;
  std::vector<float> scores(c.times.size());
  inner_products_f16(set.vectors.data(), set.n_frames(), set.dim, query.data(), scores.data());
  c.scores.assign(scores.begin(), scores.end());
  std::vector<double> gaps;
  for (size_t i = 1; i < c.times.size(); ++i) gaps.push_back(c.times[i] - c.times[i - 1]);
  if (!gaps.empty()) {
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
    c.spacing = gaps[gaps.size() / 2];
  } else {
    c.spacing = duration_s;
  }
  return c;
}

// Runs of adjacent frames whose smoothed score (the mean of each frame and its two neighbours) reaches
// `level` of the way from the video's lowest smoothed score to its highest, trimmed to edge frames that reach
// it themselves, each padded by half a frame spacing.
std::vector<Span> frame_moments(const Curve& c, double level_fraction) {
  std::vector<Span> out;
  const size_t n = c.scores.size();
  if (n == 0) return out;
  std::vector<double> smooth(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t a = i == 0 ? 0 : i - 1, b = std::min(n - 1, i + 1);
    double sum = 0;
    for (size_t j = a; j <= b; ++j) sum += c.scores[j];
    smooth[i] = sum / static_cast<double>(b - a + 1);
  }
  const double hi = *std::max_element(smooth.begin(), smooth.end());
  const double lo = *std::min_element(smooth.begin(), smooth.end());
  const double level = lo + level_fraction * (hi - lo);
  const double pad = c.spacing / 2;
  for (size_t i = 0; i < n;) {
    if (smooth[i] < level) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && smooth[j] >= level) ++j;
    const size_t next = j;
    // Smoothing bridges a dip inside a run; at its edges only frames that reach the level themselves count.
    size_t first = i, last = j - 1;
    while (first < last && c.scores[first] < level) ++first;
    while (last > first && c.scores[last] < level) --last;
    Span s;
    s.from_frames = true;
    for (size_t k = first; k <= last; ++k) {
      if (c.scores[k] > s.frame_score) {
        s.frame_score = c.scores[k];
        s.best_frame_s = c.times[k];
      }
    }
    s.start_s = std::max(0.0, c.times[first] - pad);
    s.end_s = c.times[last] + pad;
    if (c.duration_s > 0) s.end_s = std::min(c.duration_s, s.end_s);
    out.push_back(s);
    i = next;
  }
  return out;
}

struct TextHit {
  int64_t event_id;
  int64_t video_id;
  double start_s, end_s;
  double match;
};

std::vector<TextHit> text_hits(Library& lib, const std::string& query, int64_t video) {
  std::vector<TextHit> out;
  if (query.empty()) return out;
  // Only the events of each video's latest caption run take part, as only they are shown.
  std::string sql =
      "SELECT e.id, e.video_id, e.start_s, e.end_s, bm25(events_fts) FROM events_fts "
      "JOIN events e ON e.id = events_fts.rowid "
      "WHERE events_fts MATCH ?1 AND e.run_id = (SELECT max(r.id) FROM caption_runs r WHERE r.video_id = e.video_id)";
  if (video != 0) sql += " AND e.video_id = ?2";
  sql += " ORDER BY bm25(events_fts), e.id LIMIT 5000";
  Stmt s(lib.db(), sql);
  s.bind(1, query);
  if (video != 0) s.bind(2, video);
  while (s.step()) {
    const double b = std::max(0.0, -s.real(4));  // FTS5's bm25 is negated: lower is better
    out.push_back({s.integer(0), s.integer(1), s.real(2), s.real(3), b / (1 + b)});
  }
  return out;
}

}  // namespace

std::vector<Moment> search(Library& lib, const Model* model, const VectorIndex* index, const std::vector<float>& query,
                           const std::string& text, const SearchOptions& o) {
  check_search_options(o);
  for (const float x : query) {
    if (!std::isfinite(x)) throw Error(ErrorCode::kInvalidArgument, "the query vector is not finite");
  }
  if (model != nullptr && !query.empty() && static_cast<int64_t>(query.size()) != model->dim) {
    throw Error(ErrorCode::kInvalidArgument, "the query vector has " + std::to_string(query.size()) +
                                                 " dimensions; the model's frames have " + std::to_string(model->dim));
  }
  const bool use_frames = o.mode != "captions" && model != nullptr && !query.empty();
  const bool use_text = o.mode != "frames";
  if (o.mode == "frames" && (model == nullptr || query.empty())) {
    throw Error(ErrorCode::kInvalidArgument, "mode frames needs a query vector: the library has no frames of this model");
  }
  const std::vector<TextHit> hits = use_text ? text_hits(lib, fts_query(text), o.video) : std::vector<TextHit>{};

  // The videos to look at, in order of first appearance: the best frame hits, then the caption matches.
  std::vector<int64_t> order;
  std::set<int64_t> seen;
  const auto consider = [&](int64_t v) {
    if (seen.insert(v).second) order.push_back(v);
  };
  if (use_frames) {
    if (o.video != 0) {
      consider(o.video);
    } else if (index != nullptr) {
      const int64_t k = o.candidates > 0 ? o.candidates : std::max<int64_t>(256, int64_t{20} * o.top * o.per_video);
      const int64_t wanted_videos = int64_t{4} * o.top;
      std::map<int64_t, int64_t> video_of_set;
      Stmt s(lib.db(), "SELECT video_id FROM frame_sets WHERE id = ?");
      for (const auto& [id, score] : index->search(query.data(), k)) {
        const int64_t set = frame_set_of(id);
        auto it = video_of_set.find(set);
        if (it == video_of_set.end()) {
          s.bind(1, set);
          const int64_t v = s.step() ? s.integer(0) : 0;
          s.reset();
          it = video_of_set.emplace(set, v).first;
        }
        if (it->second != 0) consider(it->second);
        if (static_cast<int64_t>(order.size()) >= wanted_videos) break;
      }
    }
  }
  for (const TextHit& h : hits) consider(h.video_id);

  std::vector<Moment> all;
  for (const int64_t vid : order) {
    const std::optional<Video> video = lib.video(vid);
    if (!video) continue;
    std::optional<Curve> curve;
    if (model != nullptr && !query.empty()) {
      if (std::optional<FrameSet> set = lib.frame_set_for(vid, model->id)) curve = curve_of(*set, query, video->duration_s);
    }
    std::vector<Span> spans;
    if (use_frames && curve) spans = frame_moments(*curve, o.frame_level);
    std::vector<const TextHit*> video_hits;
    for (const TextHit& h : hits) {
      if (h.video_id == vid) video_hits.push_back(&h);
    }
    for (Span& s : spans) {
      for (const TextHit* h : video_hits) {
        if (overlaps(s.start_s, s.end_s, h->start_s, h->end_s)) s.text_score = std::max(s.text_score, h->match);
      }
    }
    for (const TextHit* h : video_hits) {
      Span s;
      s.start_s = h->start_s;
      s.end_s = h->end_s;
      s.text_score = h->match;
      if (curve) {
        const auto [best, at] = curve->best_in(h->start_s, h->end_s);
        s.frame_score = best;
        s.best_frame_s = at;
      } else {
        s.frame_score = 0;
        s.best_frame_s = h->start_s;
      }
      spans.push_back(s);
    }
    const auto score_of = [&](const Span& s) {
      if (o.mode == "frames") return s.frame_score;
      if (o.mode == "captions") return s.text_score;
      return s.frame_score + o.text_weight * s.text_score;
    };
    std::stable_sort(spans.begin(), spans.end(), [&](const Span& a, const Span& b) {
      if (score_of(a) != score_of(b)) return score_of(a) > score_of(b);
      return a.start_s < b.start_s;
    });
    std::vector<Span> kept;
    for (const Span& s : spans) {
      if (static_cast<int>(kept.size()) >= o.per_video) break;
      bool suppressed = false;
      for (const Span& k : kept) suppressed = suppressed || iou(s, k) > o.nms_iou;
      if (!suppressed) kept.push_back(s);
    }
    if (kept.empty()) continue;
    const std::optional<CaptionRun> run = lib.latest_run(vid);
    std::error_code ec;
    const bool missing = !fs::is_regular_file(video->path, ec);
    for (const Span& s : kept) {
      Moment m;
      m.video_id = vid;
      m.path = video->path;
      m.missing = missing;
      m.start_s = s.start_s;
      m.end_s = s.end_s;
      m.score = score_of(s);
      m.frame_score = std::isfinite(s.frame_score) ? s.frame_score : 0;
      m.text_score = s.text_score;
      m.best_frame_s = s.best_frame_s;
      if (run) {
        for (const EventRow& e : run->events) {
          if (!overlaps(s.start_s, s.end_s, e.start_s, e.end_s)) continue;
          MomentEvent me{e.start_s, e.end_s, e.caption, 0};
          for (const TextHit* h : video_hits) {
            if (h->event_id == e.id) me.match = h->match;
          }
          m.events.push_back(std::move(me));
        }
      }
      if (m.score >= o.min_score) all.push_back(std::move(m));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Moment& a, const Moment& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.video_id != b.video_id) return a.video_id < b.video_id;
    return a.start_s < b.start_s;
  });
  if (static_cast<int>(all.size()) > o.top) all.resize(static_cast<size_t>(o.top));
  return all;
}

Model choose_model(Library& lib, const std::string& clip, const std::string& models_cache) {
  const std::vector<Model> models = lib.models();
  std::string known;
  for (const Model& m : models) known += (known.empty() ? "" : ", ") + m.sha256.substr(0, 12) + " (" + m.folder + ")";
  if (!clip.empty()) {
    const fs::path folder = models::resolve_model(clip, models_cache);
    const std::string sha = util::file_sha256(folder / "model.safetensors");
    for (const Model& m : models) {
      if (m.sha256 == sha) return m;
    }
    throw Error(ErrorCode::kNotFound, "the library has no frames of the CLIP model " + clip +
                                          (known.empty() ? std::string(" (it has none)") : " (it has: " + known + ")"));
  }
  if (models.empty()) throw Error(ErrorCode::kNotFound, "the library has no frame embeddings yet (vidscribe library add)");
  if (models.size() > 1) {
    throw Error(ErrorCode::kInvalidArgument, "the library holds frames of several CLIP models: " + known + "; --clip chooses");
  }
  return models.front();
}

std::string cut_query(const std::string& query) {
  if (query.size() <= kMaxQueryBytes) return query;
  size_t cut = kMaxQueryBytes;
  while (cut > 0 && (static_cast<unsigned char>(query[cut]) & 0xc0) == 0x80) --cut;  // at a character boundary
  return query.substr(0, cut);
}

struct Searcher::Loaded {
  Model model;
  std::unique_ptr<Context> context;
  std::unique_ptr<VectorIndex> index;
};

Searcher::Searcher(Library& lib, Params params) : lib_(lib), params_(std::move(params)) {}
Searcher::~Searcher() = default;

std::vector<Moment> Searcher::search(const std::string& query_in, const std::string& image, const SearchOptions& o) {
  if (query_in.empty() == image.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "a search needs a query text or an image (one of them)");
  }
  if (!query_in.empty() && !text::is_valid_utf8(query_in)) {
    throw Error(ErrorCode::kInvalidArgument, "the query is not valid UTF-8 text");
  }
  const std::string query = cut_query(query_in);
  if (query.size() < query_in.size()) {
    util::warn("the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes; its first part is searched");
  }
  if (!image.empty() && o.mode == "captions") {
    throw Error(ErrorCode::kInvalidArgument, "a search by image compares frames: mode captions needs a text query");
  }
  bool blank = true;
  for (const char c : query) blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (image.empty() && blank) throw Error(ErrorCode::kInvalidArgument, "the query is empty");
  check_search_options(o);

  model_.reset();
  if (o.mode != "captions") {
    try {
      model_ = choose_model(lib_, params_.clip, params_.models_cache);
    } catch (const Error& e) {
      // A library with captions but no frames still answers a text query in mode both.
      if (!(e.code() == ErrorCode::kNotFound && params_.clip.empty() && image.empty() && o.mode == "both")) throw;
      util::warn(std::string(e.what()) + ": matching the captions only");
    }
  }
  std::vector<float> vector;
  if (model_) {
    if (!loaded_ || loaded_->model.id != model_->id) {
      auto l = std::make_unique<Loaded>();
      ContextParams cp;
      cp.clip = model_->folder;
      cp.models_cache = params_.models_cache;
      cp.language_model = false;
      cp.device = params_.device;
      cp.threads = params_.threads;
      l->context = std::make_unique<Context>(cp);
      const nlohmann::json mj = nlohmann::json::parse(l->context->model_json());
      if (mj["clip"]["sha256"] != model_->sha256) {
        throw Error(ErrorCode::kNotFound, "the CLIP folder " + model_->folder +
                                              " now holds other weights than the library's frames were made with; --clip names the right one");
      }
      l->model = *model_;
      l->model.generation = -1;  // no index yet
      loaded_ = std::move(l);
    }
    // The same text CLIP scored the captions with: the hard prompt, then the words (method.md section 5).
    const Embeddings e = image.empty()
                             ? loaded_->context->embed_texts({params_.prompt.empty() ? query : params_.prompt + " " + query})
                             : loaded_->context->embed_images({image});
    vector.assign(e.data.begin(), e.data.end());
    if (o.video == 0 && (!loaded_->index || loaded_->model.generation != model_->generation)) {
      loaded_->index = std::make_unique<VectorIndex>(
          VectorIndex::open(lib_, *model_, stored_index_params(lib_, model_->id), params_.threads));
      loaded_->model.generation = model_->generation;
    }
  }
  return library::search(lib_, model_ ? &*model_ : nullptr, o.video == 0 && loaded_ ? loaded_->index.get() : nullptr,
                         vector, image.empty() ? query : "", o);
}

nlohmann::ordered_json results_json(const std::string& query, const std::string& image, const std::string& mode,
                                    const std::optional<Model>& model, const std::vector<Moment>& results) {
  nlohmann::ordered_json j;
  j["query"] = image.empty() ? nlohmann::ordered_json(query) : nlohmann::ordered_json(nullptr);
  j["image"] = image.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(image);
  j["mode"] = mode;
  j["clip"] = model ? nlohmann::ordered_json(model->sha256) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Moment& m : results) {
    nlohmann::ordered_json r;
    r["video_id"] = m.video_id;
    r["path"] = m.path;
    r["missing"] = m.missing;
    r["start"] = m.start_s;
    r["end"] = m.end_s;
    r["score"] = m.score;
    r["frame_score"] = m.frame_score;
    r["text_score"] = m.text_score;
    r["best_frame"] = m.best_frame_s;
    nlohmann::ordered_json events = nlohmann::ordered_json::array();
    for (const MomentEvent& e : m.events) {
      events.push_back({{"start", e.start_s}, {"end", e.end_s}, {"caption", e.caption}, {"match", e.match}});
    }
    r["events"] = events;
    list.push_back(r);
  }
  j["results"] = list;
  return j;
}

}  // namespace vidscribe::library
