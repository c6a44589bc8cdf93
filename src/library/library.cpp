#include "library/library.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>

#include "batch/store.h"
#include "library/half.h"
#include "vidscribe/error.h"
#include "vidscribe/version.h"

namespace vidscribe::library {
namespace fs = std::filesystem;

namespace {

std::string random_hex(int digits) {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[rd() % 16];
  return out;
}

// The folder exists before SQLite opens the file in it.
const fs::path& prepared(const fs::path& path, bool create) {
  if (create && path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ErrorCode::kIo, "cannot create the folder of the library " + path.string() + ": " + ec.message());
  }
  return path;
}

// Version 1: everything there is.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE videos(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  content_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  duration_s REAL NOT NULL,
  probe TEXT NOT NULL DEFAULT '{}',
  added TEXT NOT NULL);
CREATE INDEX videos_by_content ON videos(content_hash);
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  folder TEXT NOT NULL,
  dim INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE frame_sets(
  id INTEGER PRIMARY KEY,
  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  model_id INTEGER NOT NULL REFERENCES models(id),
  sampling TEXT NOT NULL,
  n_frames INTEGER NOT NULL,
  dim INTEGER NOT NULL,
  times BLOB NOT NULL,
  vectors BLOB NOT NULL,
  added TEXT NOT NULL,
  UNIQUE(video_id, model_id));
CREATE INDEX frame_sets_by_model ON frame_sets(model_id);
CREATE TRIGGER frame_sets_added AFTER INSERT ON frame_sets BEGIN
  UPDATE models SET generation = generation + 1 WHERE id = NEW.model_id; END;
CREATE TRIGGER frame_sets_removed AFTER DELETE ON frame_sets BEGIN
  UPDATE models SET generation = generation + 1 WHERE id = OLD.model_id; END;
CREATE TABLE caption_runs(
  id INTEGER PRIMARY KEY,
  video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  models TEXT NOT NULL,
  models_key TEXT NOT NULL,
  options TEXT NOT NULL,
  created TEXT NOT NULL,
  source TEXT NOT NULL);
CREATE INDEX caption_runs_by_video ON caption_runs(video_id);
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES caption_runs(id) ON DELETE CASCADE,
  video_id INTEGER NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  caption TEXT NOT NULL,
  score REAL NOT NULL);
CREATE INDEX events_by_run ON events(run_id);
CREATE VIRTUAL TABLE events_fts USING fts5(caption, content='events', content_rowid='id',
  tokenize='porter unicode61');
CREATE TRIGGER events_added AFTER INSERT ON events BEGIN
  INSERT INTO events_fts(rowid, caption) VALUES (NEW.id, NEW.caption); END;
CREATE TRIGGER events_removed AFTER DELETE ON events BEGIN
  INSERT INTO events_fts(events_fts, rowid, caption) VALUES ('delete', OLD.id, OLD.caption); END;
)sql";

int64_t scalar(Db& db, const char* sql) {
  Stmt s(db, sql);
  return s.step() ? s.integer(0) : 0;
}

}  // namespace

fs::path default_library_path() {
  if (const char* v = std::getenv("VIDSCRIBE_LIBRARY"); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv("XDG_DATA_HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / "vidscribe" / "library.db";
  }
  if (const char* v = std::getenv("HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / ".local" / "share" / "vidscribe" / "library.db";
  }
  return "library.db";
}

std::string models_key(const std::string& model_json) {
  const nlohmann::json j = nlohmann::json::parse(model_json, nullptr, false);
  const auto sha = [&](const char* k) -> std::string {
    if (j.is_object() && j.contains(k) && j[k].is_object() && j[k].contains("sha256") && j[k]["sha256"].is_string()) {
      return j[k]["sha256"].get<std::string>();
    }
    return "";
  };
  return sha("clip") + ":" + sha("lm");
}

Library::Library(const fs::path& path, const OpenOptions& options)
    : path_(path), db_(prepared(path, options.create), options.create, options.busy_timeout_s) {
  migrate();
}

void Library::migrate() {
  // WAL: readers never block the writer, and a killed writer leaves the last committed state.
  {
    Stmt wal(db_, "PRAGMA journal_mode = WAL");
    wal.step();
  }
  db_.exec("PRAGMA synchronous = NORMAL");
  const int64_t version = scalar(db_, "PRAGMA user_version");
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::kInvalidArgument, "the library " + path_.string() + " has schema version " +
                                                 std::to_string(version) + "; this vidscribe (" + VIDSCRIBE_VERSION_STRING +
                                                 ") reads versions up to " + std::to_string(kSchemaVersion) +
                                                 ": open it with a newer vidscribe");
  }
  if (version == 0) {
    Transaction t(db_);
    // Read again under the write lock: another process may have created it meanwhile.
    if (scalar(db_, "PRAGMA user_version") == 0) {
      if (scalar(db_, "SELECT count(*) FROM sqlite_schema") != 0) {
        throw Error(ErrorCode::kInvalidArgument,
                    path_.string() + " is an SQLite database but not a vidscribe library (it has tables of its own)");
      }
      db_.exec(kSchemaV1);
      Stmt meta(db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
      meta.bind(1, "application").bind(2, "vidscribe").run();
      meta.bind(1, "library_id").bind(2, random_hex(32)).run();
      meta.bind(1, "created").bind(2, batch::utc_now()).run();
      db_.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    }
    t.commit();
  }
  // Future versions migrate here, one step at a time (if version == 1: ... user_version = 2).
  {
    Stmt app(db_, "SELECT value FROM meta WHERE key = 'application'");
    if (!app.step() || app.text(0) != "vidscribe") {
      throw Error(ErrorCode::kInvalidArgument, path_.string() + " is not a vidscribe library");
    }
  }
  Stmt id(db_, "SELECT value FROM meta WHERE key = 'library_id'");
  if (id.step()) library_id_ = id.text(0);
}

namespace {
Video video_from(const Stmt& s) {
  Video v;
  v.id = s.integer(0);
  v.path = s.text(1);
  v.content_hash = s.text(2);
  v.size = s.integer(3);
  v.mtime_ns = s.integer(4);
  v.duration_s = s.real(5);
  v.probe = s.text(6);
  v.added = s.text(7);
  return v;
}
constexpr const char* kVideoColumns = "SELECT id, path, content_hash, size, mtime_ns, duration_s, probe, added FROM videos ";
}  // namespace

std::optional<Video> Library::video(int64_t id) {
  Stmt s(db_, std::string(kVideoColumns) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return video_from(s);
}

std::optional<Video> Library::video_by_path(const std::string& path) {
  Stmt s(db_, std::string(kVideoColumns) + "WHERE path = ?");
  s.bind(1, path);
  if (!s.step()) return std::nullopt;
  return video_from(s);
}

std::vector<Video> Library::videos() {
  Stmt s(db_, std::string(kVideoColumns) + "ORDER BY id");
  std::vector<Video> out;
  while (s.step()) out.push_back(video_from(s));
  return out;
}

int64_t Library::put_video(const Video& v) {
  const std::optional<Video> old = video_by_path(v.path);
  if (!old) {
    Stmt s(db_,
           "INSERT INTO videos(path, content_hash, size, mtime_ns, duration_s, probe, added) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, v.path).bind(2, v.content_hash).bind(3, v.size).bind(4, v.mtime_ns).bind(5, v.duration_s);
    s.bind(6, v.probe.empty() ? "{}" : v.probe).bind(7, v.added.empty() ? batch::utc_now() : v.added).run();
    return db_.last_insert_id();
  }
  if (old->content_hash != v.content_hash) {  // a different video now: what was derived from the old one goes
    Stmt(db_, "DELETE FROM frame_sets WHERE video_id = ?").bind(1, old->id).run();
    Stmt(db_, "DELETE FROM caption_runs WHERE video_id = ?").bind(1, old->id).run();
  }
  Stmt s(db_, "UPDATE videos SET content_hash = ?, size = ?, mtime_ns = ?, duration_s = ?, probe = ? WHERE id = ?");
  s.bind(1, v.content_hash).bind(2, v.size).bind(3, v.mtime_ns).bind(4, v.duration_s);
  s.bind(5, v.probe.empty() ? old->probe : v.probe).bind(6, old->id).run();
  return old->id;
}

bool Library::remove_video(int64_t id) {
  Stmt(db_, "DELETE FROM videos WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

int64_t Library::put_model(const std::string& sha256, const std::string& folder, int64_t dim) {
  Stmt find(db_, "SELECT id, dim FROM models WHERE sha256 = ?");
  find.bind(1, sha256);
  if (find.step()) {
    const int64_t id = find.integer(0);
    if (find.integer(1) != dim) {
      throw Error(ErrorCode::kInvalidArgument, "the CLIP model " + sha256.substr(0, 12) + " gave vectors of " +
                                                   std::to_string(dim) + " dimensions; the library holds " +
                                                   std::to_string(find.integer(1)));
    }
    find.reset();
    Stmt(db_, "UPDATE models SET folder = ? WHERE id = ?").bind(1, folder).bind(2, id).run();
    return id;
  }
  Stmt s(db_, "INSERT INTO models(sha256, folder, dim) VALUES (?, ?, ?)");
  s.bind(1, sha256).bind(2, folder).bind(3, dim).run();
  return db_.last_insert_id();
}

std::vector<Model> Library::models() {
  Stmt s(db_, "SELECT id, sha256, folder, dim, generation FROM models ORDER BY id");
  std::vector<Model> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
  return out;
}

std::optional<Model> Library::model(int64_t id) {
  for (Model& m : models()) {
    if (m.id == id) return m;
  }
  return std::nullopt;
}

std::optional<std::string> Library::frame_set_sampling(int64_t video_id, int64_t model_id) {
  Stmt s(db_, "SELECT sampling FROM frame_sets WHERE video_id = ? AND model_id = ?");
  s.bind(1, video_id).bind(2, model_id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

int64_t Library::put_frame_set(int64_t video_id, int64_t model_id, const std::string& sampling,
                               const std::vector<double>& times_s, int64_t dim, const float* vectors) {
  const auto n = static_cast<int64_t>(times_s.size());
  if (n >= (int64_t{1} << 24)) throw Error(ErrorCode::kInvalidArgument, "a video of more than 16.7 million frames");
  std::vector<uint16_t> half(static_cast<size_t>(n * dim));
  for (size_t i = 0; i < half.size(); ++i) half[i] = float_to_half(vectors[i]);
  Stmt(db_, "DELETE FROM frame_sets WHERE video_id = ? AND model_id = ?").bind(1, video_id).bind(2, model_id).run();
  Stmt s(db_,
         "INSERT INTO frame_sets(video_id, model_id, sampling, n_frames, dim, times, vectors, added) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, video_id).bind(2, model_id).bind(3, sampling).bind(4, n).bind(5, dim);
  s.bind_blob(6, times_s.data(), times_s.size() * sizeof(double));
  s.bind_blob(7, half.data(), half.size() * sizeof(uint16_t));
  s.bind(8, batch::utc_now()).run();
  return db_.last_insert_id();
}

namespace {
std::optional<FrameSet> read_frame_set(Db& db, Stmt& s, const fs::path& path) {
  if (!s.step()) return std::nullopt;
  FrameSet f;
  f.id = s.integer(0);
  f.video_id = s.integer(1);
  f.model_id = s.integer(2);
  f.sampling = s.text(3);
  const int64_t n = s.integer(4);
  f.dim = s.integer(5);
  const std::string_view times = s.blob(6);
  const std::string_view vectors = s.blob(7);
  if (n < 0 || f.dim <= 0 || times.size() != static_cast<size_t>(n) * sizeof(double) ||
      vectors.size() != static_cast<size_t>(n * f.dim) * sizeof(uint16_t)) {
    (void)db;
    throw Error(ErrorCode::kIo, "the library " + path.string() + " is damaged: frame set " + std::to_string(f.id) +
                                    " has sizes that do not match (vidscribe library check)");
  }
  f.times_s.resize(static_cast<size_t>(n));
  std::memcpy(f.times_s.data(), times.data(), times.size());
  f.vectors.resize(static_cast<size_t>(n * f.dim));
  std::memcpy(f.vectors.data(), vectors.data(), vectors.size());
  return f;
}
constexpr const char* kFrameSetColumns =
    "SELECT id, video_id, model_id, sampling, n_frames, dim, times, vectors FROM frame_sets ";
}  // namespace

std::optional<FrameSet> Library::frame_set(int64_t id) {
  Stmt s(db_, std::string(kFrameSetColumns) + "WHERE id = ?");
  s.bind(1, id);
  return read_frame_set(db_, s, path_);
}

std::optional<FrameSet> Library::frame_set_for(int64_t video_id, int64_t model_id) {
  Stmt s(db_, std::string(kFrameSetColumns) + "WHERE video_id = ? AND model_id = ?");
  s.bind(1, video_id).bind(2, model_id);
  return read_frame_set(db_, s, path_);
}

int64_t Library::frame_count(int64_t model_id) {
  Stmt s(db_, "SELECT coalesce(sum(n_frames), 0) FROM frame_sets WHERE model_id = ?");
  s.bind(1, model_id);
  return s.step() ? s.integer(0) : 0;
}

bool Library::has_caption_run(int64_t video_id, const std::string& key, const std::string& options) {
  Stmt s(db_, "SELECT 1 FROM caption_runs WHERE video_id = ? AND models_key = ? AND options = ?");
  s.bind(1, video_id).bind(2, key).bind(3, options);
  return s.step();
}

int64_t Library::add_caption_run(int64_t video_id, const VideoCaptions& c, const std::string& source) {
  Stmt run(db_, "INSERT INTO caption_runs(video_id, models, models_key, options, created, source) VALUES (?, ?, ?, ?, ?, ?)");
  run.bind(1, video_id).bind(2, c.model_json).bind(3, models_key(c.model_json)).bind(4, c.options_json);
  run.bind(5, batch::utc_now()).bind(6, source).run();
  const int64_t run_id = db_.last_insert_id();
  Stmt ev(db_, "INSERT INTO events(run_id, video_id, start_s, end_s, caption, score) VALUES (?, ?, ?, ?, ?, ?)");
  for (const Event& e : c.events) {
    ev.bind(1, run_id).bind(2, video_id).bind(3, e.start_s).bind(4, e.end_s).bind(5, e.caption).bind(6, e.score).run();
  }
  return run_id;
}

std::vector<CaptionRun> Library::runs(int64_t video_id) {
  Stmt s(db_,
         "SELECT id, video_id, models, models_key, options, created, source FROM caption_runs WHERE video_id = ? "
         "ORDER BY id DESC");
  s.bind(1, video_id);
  std::vector<CaptionRun> out;
  while (s.step()) {
    CaptionRun r;
    r.id = s.integer(0);
    r.video_id = s.integer(1);
    r.models = s.text(2);
    r.models_key = s.text(3);
    r.options = s.text(4);
    r.created = s.text(5);
    r.source = s.text(6);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<CaptionRun> Library::latest_run(int64_t video_id) {
  std::vector<CaptionRun> all = runs(video_id);
  if (all.empty()) return std::nullopt;
  CaptionRun r = std::move(all.front());
  Stmt s(db_, "SELECT id, start_s, end_s, caption, score FROM events WHERE run_id = ? ORDER BY start_s, id");
  s.bind(1, r.id);
  while (s.step()) {
    EventRow e;
    e.id = s.integer(0);
    e.run_id = r.id;
    e.video_id = video_id;
    e.start_s = s.real(1);
    e.end_s = s.real(2);
    e.caption = s.text(3);
    e.score = s.real(4);
    r.events.push_back(std::move(e));
  }
  return r;
}

}  // namespace vidscribe::library
