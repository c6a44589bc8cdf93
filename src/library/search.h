// Text-to-moment search (docs/library.md, "How search ranks"): frame hits from the vector index, grouped into
// moments per video, scored together with a full-text match of the query against the event captions.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "library/library.h"
#include "library/vector_index.h"

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

}  // namespace vidscribe::library
