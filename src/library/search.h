// Text-to-moment search (docs/library.md, "How search ranks"): frame hits from the vector index, grouped into
// moments per video, scored together with a full-text match of the query against the event captions.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "library/library.h"
#include "library/vector_index.h"
#include "vidscribe/options.h"

namespace vidscribe::library {

struct SearchOptions {
  int top = 10;                 // moments returned
  std::string mode = "both";    // frames, captions or both
  int64_t video = 0;            // only this video (0: all)
  double min_score = -std::numeric_limits<double>::infinity();
  int per_video = 3;            // at most this many moments of one video
  // A moment's frames: adjacent frames whose smoothed score lies at least this fraction of the way from the
  // video's lowest smoothed score to its highest.
  double frame_level = 0.5;
  double text_weight = 0.1;     // score = frame similarity + text_weight * caption match (mode both)
  double nms_iou = 0.5;         // of two moments of a video overlapping more than this, the better stays
  int64_t candidates = 0;       // frames fetched from the index; 0: max(256, 20 * top * per_video)
};
void check_search_options(const SearchOptions& o);

struct MomentEvent {
  double start_s = 0, end_s = 0;
  std::string caption;
  double match = 0;  // the caption's full-text match in (0, 1), 0 when it does not match
};

struct Moment {
  int64_t video_id = 0;
  std::string path;
  bool missing = false;      // the file is no longer where it was added
  double start_s = 0, end_s = 0;
  double score = 0;
  double frame_score = 0;    // the best frame's inner product with the query
  double text_score = 0;     // the best overlapping caption's full-text match, in [0, 1)
  double best_frame_s = 0;   // that frame's time
  std::vector<MomentEvent> events;  // of the video's latest caption run, overlapping the moment
};

// The query as the library's full-text index reads it: its words, each quoted, joined by OR (at most 64);
// empty when it has none. Throws kInvalidArgument for text that is not UTF-8.
std::string fts_query(const std::string& text);

// Searches the library with a unit query vector of `model` (may be null for mode captions) and the query's
// text (empty for a search by image: frames only).
std::vector<Moment> search(Library& lib, const Model* model, const VectorIndex* index, const std::vector<float>& query,
                           const std::string& text, const SearchOptions& options);

// The library's model for `clip` (a folder or known name, matched by the weights' SHA-256), or its only one.
// Throws kNotFound (no frames of that model, or none at all) or kInvalidArgument (several and none chosen).
Model choose_model(Library& lib, const std::string& clip, const std::string& models_cache);

// The longest query read: CLIP sees 77 tokens and the full-text match 64 words; more is cut (with a warning).
inline constexpr size_t kMaxQueryBytes = 4096;
// A query as searched: its first kMaxQueryBytes bytes, cut at a character boundary.
std::string cut_query(const std::string& query);

// Searches by text or by picture with the library's CLIP model, loaded once (CLIP only) and kept, with its
// vector index (reopened whenever the library's frames change): what `vidscribe search` and the server run.
class Searcher {
 public:
  struct Params {
    std::string clip;          // which model (default: the library's only one)
    std::string models_cache;
    std::string device = "cpu";
    int threads = 0;
    std::string prompt = CaptionOptions{}.method.prompt;  // before a text query, as before every caption when scored
  };
  Searcher(Library& lib, Params params);
  ~Searcher();

  // Exactly one of `query` and `image` non-empty. Throws kInvalidArgument for an empty or non-UTF-8 query, a
  // search by image in mode captions, bad options; what the models and the library throw.
  std::vector<Moment> search(const std::string& query, const std::string& image, const SearchOptions& options);
  // The model searched by the last call (empty when it matched captions only).
  const std::optional<Model>& model() const { return model_; }

 private:
  struct Loaded;
  Library& lib_;
  Params params_;
  std::optional<Model> model_;
  std::unique_ptr<Loaded> loaded_;
};

// {"query", "image", "mode", "clip", "results": [{"video_id", "path", "missing", "start", "end", "score",
// "frame_score", "text_score", "best_frame", "events": [{"start", "end", "caption", "match"}]}]}: what
// `vidscribe search --json` prints and GET /api/search returns.
nlohmann::ordered_json results_json(const std::string& query, const std::string& image, const std::string& mode,
                                    const std::optional<Model>& model, const std::vector<Moment>& results);

}  // namespace vidscribe::library
