// A video library (docs/library.md): one SQLite database in WAL mode that holds videos, their CLIP frame
// embeddings per model, caption runs with their events, and an FTS5 index over the event captions. The
// database is the source of truth; vector indexes beside it (vector_index.h) are rebuilt from it whenever
// they are out of step.
//
// Schema (version kSchemaVersion, in PRAGMA user_version; older versions are migrated on open, a newer one is
// refused):
//   meta(key, value)                       application = vidscribe, library_id = 32 random hex digits
//   videos(id, path, content_hash, size, mtime_ns, duration_s, probe, added)
//   models(id, sha256, folder, dim, generation)        generation: +1 whenever a frame set comes or goes
//   frame_sets(id, video_id, model_id, sampling, n_frames, dim, times, vectors, added)
//                                          times: float64 seconds; vectors: float16, rows L2-normalised
//   caption_runs(id, video_id, models, models_key, options, created, source)
//   events(id, run_id, video_id, start_s, end_s, caption, score)
//   events_fts(caption)                    FTS5, porter + unicode61, external content = events
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "library/db.h"
#include "vidscribe/captions.h"

namespace vidscribe::library {

inline constexpr int kSchemaVersion = 1;

// --library's default: $VIDSCRIBE_LIBRARY, else $XDG_DATA_HOME/vidscribe/library.db, else
// ~/.local/share/vidscribe/library.db.
std::filesystem::path default_library_path();

struct Video {
  int64_t id = 0;
  std::string path;          // absolute, as added
  std::string content_hash;  // caption::content_hash ("v1:" + 64 hex digits)
  int64_t size = 0;
  int64_t mtime_ns = 0;
  double duration_s = 0;
  std::string probe;         // media::to_json of the probe, "{}" when it was not probed
  std::string added;         // UTC, ISO 8601
};

struct Model {
  int64_t id = 0;
  std::string sha256;  // of model.safetensors: the model by content
  std::string folder;  // where it was loaded from when last used
  int64_t dim = 0;
  int64_t generation = 0;
};

struct FrameSet {
  int64_t id = 0;
  int64_t video_id = 0;
  int64_t model_id = 0;
  std::string sampling;         // JSON: fps, max_frames, window_s
  std::vector<double> times_s;  // [n]
  int64_t dim = 0;
  std::vector<uint16_t> vectors;  // [n, dim] float16, as stored
  int64_t n_frames() const { return static_cast<int64_t>(times_s.size()); }
};

struct EventRow {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t video_id = 0;
  double start_s = 0, end_s = 0, score = 0;
  std::string caption;
};

struct CaptionRun {
  int64_t id = 0;
  int64_t video_id = 0;
  std::string models;      // model_json of the run
  std::string models_key;  // "clip sha256:lm sha256": the models by content
  std::string options;     // options_json of the run
  std::string created;
  std::string source;      // "caption", or "batch:<folder>" for imported results
  std::vector<EventRow> events;
};

// A frame id in the vector indexes: frame set id << 24 | row (a set holds fewer than 2^24 frames).
inline int64_t frame_id(int64_t set_id, int64_t row) { return (set_id << 24) | row; }
inline int64_t frame_set_of(int64_t id) { return id >> 24; }
inline int64_t frame_row_of(int64_t id) { return id & ((int64_t{1} << 24) - 1); }

// The key that makes two caption runs the same computation: the models by content.
std::string models_key(const std::string& model_json);

class Library {
 public:
  struct OpenOptions {
    bool create = false;          // create the file (and its folder) if missing
    double busy_timeout_s = 30;   // how long to wait for another process's write
  };
  // Opens a library, migrating an older schema. Throws kNotFound (no file and !create), kInvalidArgument
  // (not SQLite, not a vidscribe library, a newer schema), kIo.
  Library(const std::filesystem::path& path, const OpenOptions& options);

  Db& db() { return db_; }
  const std::filesystem::path& path() const { return path_; }
  const std::string& library_id() const { return library_id_; }

  // Videos.
  std::optional<Video> video(int64_t id);
  std::optional<Video> video_by_path(const std::string& path);
  std::vector<Video> videos();
  // Inserts or updates by path (the id is returned); a video whose content changed loses its frame sets and
  // caption runs. Call inside a Transaction.
  int64_t put_video(const Video& v);
  bool remove_video(int64_t id);  // with everything derived from it

  // Models.
  int64_t put_model(const std::string& sha256, const std::string& folder, int64_t dim);
  std::vector<Model> models();
  std::optional<Model> model(int64_t id);

  // Frame sets: one per (video, model); put replaces. Vectors are stored as float16.
  std::optional<std::string> frame_set_sampling(int64_t video_id, int64_t model_id);
  int64_t put_frame_set(int64_t video_id, int64_t model_id, const std::string& sampling,
                        const std::vector<double>& times_s, int64_t dim, const float* vectors);
  std::optional<FrameSet> frame_set(int64_t id);
  std::optional<FrameSet> frame_set_for(int64_t video_id, int64_t model_id);
  int64_t frame_count(int64_t model_id);

  // Caption runs.
  bool has_caption_run(int64_t video_id, const std::string& models_key, const std::string& options);
  int64_t add_caption_run(int64_t video_id, const VideoCaptions& captions, const std::string& source);
  std::optional<CaptionRun> latest_run(int64_t video_id);  // with its events
  std::vector<CaptionRun> runs(int64_t video_id);          // without events, newest first

 private:
  void migrate();
  std::filesystem::path path_;
  Db db_;
  std::string library_id_;
};

}  // namespace vidscribe::library
