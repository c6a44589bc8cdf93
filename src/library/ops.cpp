#include "library/ops.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "batch/manifest.h"
#include "batch/store.h"
#include "caption/frame_cache.h"
#include "library/vector_index.h"
#include "media/probe.h"
#include "models/cache.h"
#include "models/registry.h"
#include "util/file_hash.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::library {
namespace fs = std::filesystem;

namespace {

std::string normalised(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  return j.is_discarded() ? json : j.dump();
}

// The weights' SHA-256 of a model as ContextParams name it (the same file hash the loaders record, memoised
// beside the file), so that files already added are skipped without loading anything.
struct ModelIdentity {
  fs::path folder;
  std::string sha256;
};
ModelIdentity identify(const std::string& name, const std::string& preset_model, const std::string& cache) {
  ModelIdentity m;
  m.folder = models::resolve_model(name.empty() ? preset_model : name, cache);
  m.sha256 = util::file_sha256(m.folder / "model.safetensors");
  return m;
}

std::optional<Model> model_by_sha(Library& lib, const std::string& sha) {
  for (Model& m : lib.models()) {
    if (m.sha256 == sha) return m;
  }
  return std::nullopt;
}

Video facts_of(const fs::path& path, const std::string& hash) {
  Video v;
  v.path = path.string();
  v.content_hash = hash;
  uintmax_t size = 0;
  int64_t mtime = 0;
  if (!batch::file_facts(path, &size, &mtime)) throw Error(ErrorCode::kNotFound, "no such file: " + path.string());
  v.size = static_cast<int64_t>(size);
  v.mtime_ns = mtime;
  return v;
}

}  // namespace

std::string sampling_json(const VideoOptions& v) {
  return nlohmann::json{{"fps", v.fps}, {"max_frames", v.max_frames}, {"window_s", v.whole ? 0.0 : v.window_s}}.dump();
}

std::vector<fs::path> collect_videos(const std::vector<fs::path>& paths, bool recursive) {
  std::vector<fs::path> out;
  for (const fs::path& p : paths) {
    std::error_code ec;
    const fs::path abs = fs::absolute(p, ec).lexically_normal();
    if (fs::is_directory(abs, ec)) {
      if (!recursive) {
        throw Error(ErrorCode::kInvalidArgument, p.string() + " is a folder: --recursive adds the videos under it");
      }
      for (auto it = fs::recursive_directory_iterator(abs, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec) && batch::is_video_file(it->path())) out.push_back(it->path());
      }
      if (ec) throw Error(ErrorCode::kIo, "cannot read the folder " + p.string() + ": " + ec.message());
    } else if (fs::exists(abs, ec)) {
      out.push_back(abs);
    } else {
      throw Error(ErrorCode::kNotFound, "no such file or folder: " + p.string());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

AddSummary add_videos(Library& lib, const AddParams& params) {
  check_options(params.caption_params.options);
  const std::vector<fs::path> files = collect_videos(params.paths, params.recursive);
  AddSummary summary;
  summary.total = static_cast<int>(files.size());
  if (files.empty()) return summary;

  ContextParams cp = params.context;
  cp.language_model = params.caption;
  const models::Preset* preset = models::find_preset(cp.preset);
  if (preset == nullptr) throw Error(ErrorCode::kInvalidArgument, "preset " + cp.preset + ": expected paper or fast");
  const ModelIdentity clip = identify(cp.clip, preset->clip, cp.models_cache);
  std::string wanted_models_key;
  std::string wanted_options;
  if (params.caption) {
    const ModelIdentity lm = identify(cp.lm, preset->gpt2, cp.models_cache);
    wanted_models_key = clip.sha256 + ":" + lm.sha256;
    nlohmann::json o = nlohmann::json::parse(options_json(params.caption_params.options));
    o["preset"] = preset->name;  // as Context records it
    wanted_options = o.dump();
  }
  const std::string sampling = sampling_json(params.caption_params.options.video);

  std::unique_ptr<Context> context;
  util::Progress progress("adding videos", summary.total);
  for (const fs::path& file : files) {
    util::check_abort();
    try {
      const std::string hash = caption::content_hash(file);
      const std::optional<Video> old = lib.video_by_path(file.string());
      const bool same_content = old && old->content_hash == hash;
      const std::optional<Model> model = model_by_sha(lib, clip.sha256);
      const bool need_frames = !(same_content && model && lib.frame_set_sampling(old->id, model->id) == sampling);
      const bool need_caption =
          params.caption && !(same_content && lib.has_caption_run(old->id, wanted_models_key, wanted_options));
      if (!need_frames && !need_caption) {
        ++summary.skipped;
        util::debug("already in the library: " + file.string());
        progress.advance();
        continue;
      }
      if (!context) context = std::make_unique<Context>(cp);
      Video video = facts_of(file, hash);
      const VideoEmbeddings frames = context->embed_frames(file.string(), params.caption_params);
      video.duration_s = frames.duration_s;
      video.probe = media::to_json(media::probe(file));
      std::optional<VideoCaptions> captions;
      if (need_caption) {
        captions = context->caption_frames(frames.frames, frames.times_s, frames.duration_s, params.caption_params);
        captions->video = file.string();
        captions->video_id = file.stem().string();
      }
      const nlohmann::json models = nlohmann::json::parse(context->model_json());
      Transaction t(lib.db());
      const int64_t vid = lib.put_video(video);
      const int64_t mid = lib.put_model(clip.sha256, models["clip"]["folder"].get<std::string>(), frames.frames.dim);
      if (lib.frame_set_sampling(vid, mid) != sampling) {
        lib.put_frame_set(vid, mid, sampling, frames.times_s, frames.frames.dim, frames.frames.data.data());
      }
      if (captions && !lib.has_caption_run(vid, models_key(captions->model_json), normalised(captions->options_json))) {
        lib.add_caption_run(vid, *captions, "caption");
      }
      t.commit();
      ++summary.added;
      util::debug("added " + file.string());
    } catch (const DbError&) {
      throw;
    } catch (const Error& e) {
      // The library, the models and a stop end the run; a file's own problem is logged and counted.
      if (e.code() == ErrorCode::kCancelled || e.code() == ErrorCode::kOutOfMemory || e.code() == ErrorCode::kCorruptModel) throw;
      ++summary.failed;
      util::warn(file.string() + ": " + e.what());
    }
    progress.advance();
  }
  return summary;
}

AddSummary import_results(Library& lib, const fs::path& dir) {
  const fs::path results = dir / "results";
  std::error_code ec;
  if (!fs::is_directory(results, ec)) {
    throw Error(ErrorCode::kNotFound, dir.string() + " is not the output folder of vidscribe batch (no results/ in it)");
  }
  std::vector<fs::path> records;
  for (const auto& entry : fs::directory_iterator(results, ec)) {
    if (entry.path().extension() == ".json") records.push_back(entry.path());
  }
  std::sort(records.begin(), records.end());
  AddSummary summary;
  summary.total = static_cast<int>(records.size());
  const std::string source = "batch:" + fs::absolute(dir).lexically_normal().string();
  util::Progress progress("importing results", summary.total);
  for (const fs::path& record_path : records) {
    util::check_abort();
    std::string why;
    const std::optional<nlohmann::json> record = batch::read_result(record_path, nullptr, &why);
    try {
      if (!record) throw Error(ErrorCode::kInvalidArgument, why.empty() ? "unreadable" : why);
      VideoCaptions captions = batch::captions_of(*record);
      const fs::path input = fs::absolute(record->value("input", "")).lexically_normal();
      uintmax_t size = 0;
      int64_t mtime = 0;
      if (!batch::file_facts(input, &size, &mtime)) throw Error(ErrorCode::kNotFound, "its video " + input.string() + " is not here");
      if (static_cast<int64_t>(size) != record->value("size", int64_t{-1}) || mtime != record->value("mtime_ns", int64_t{-1})) {
        throw Error(ErrorCode::kInvalidArgument, "its video " + input.string() + " changed after it was captioned");
      }
      const std::string hash = caption::content_hash(input);
      const std::string options = normalised(captions.options_json);
      const std::string key = models_key(captions.model_json);
      const std::optional<Video> old = lib.video_by_path(input.string());
      if (old && old->content_hash == hash && lib.has_caption_run(old->id, key, options)) {
        ++summary.skipped;
        progress.advance();
        continue;
      }
      Video video = facts_of(input, hash);
      video.duration_s = captions.duration_s;
      try {
        video.probe = media::to_json(media::probe(input));
      } catch (const Error&) {
        video.probe = "{}";
      }
      captions.video = input.string();
      Transaction t(lib.db());
      const int64_t vid = lib.put_video(video);
      if (!lib.has_caption_run(vid, key, options)) lib.add_caption_run(vid, captions, source);
      t.commit();
      ++summary.added;
    } catch (const DbError&) {
      throw;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kCancelled) throw;
      ++summary.failed;
      util::warn(record_path.filename().string() + ": " + e.what());
    }
    progress.advance();
  }
  return summary;
}

nlohmann::ordered_json CheckReport::to_json() const {
  nlohmann::ordered_json j;
  j["ok"] = damage.empty();
  j["damage"] = damage;
  j["files"] = files;
  j["indexes"] = indexes;
  j["fixed"] = fixed;
  return j;
}

CheckReport check_library(Library& lib, bool fix, const std::vector<fs::path>& search_dirs, int threads) {
  CheckReport r;
  Db& db = lib.db();
  {
    Stmt s(db, "PRAGMA integrity_check");
    while (s.step()) {
      if (s.text(0) != "ok") r.damage.push_back("integrity: " + s.text(0));
    }
  }
  {
    Stmt s(db, "PRAGMA foreign_key_check");
    while (s.step()) r.damage.push_back("table " + s.text(0) + " row " + std::to_string(s.integer(1)) + " refers to a missing " + s.text(2));
  }
  try {
    db.exec("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)");
  } catch (const Error& e) {
    if (fix) {
      db.exec("INSERT INTO events_fts(events_fts) VALUES ('rebuild')");
      r.fixed.push_back("rebuilt the full-text index of the captions");
    } else {
      r.damage.push_back(std::string("the full-text index of the captions is out of step (--fix rebuilds it): ") + e.what());
    }
  }
  {
    Stmt s(db,
           "SELECT f.id, f.n_frames, f.dim, length(f.times), length(f.vectors), m.dim FROM frame_sets f "
           "JOIN models m ON m.id = f.model_id");
    while (s.step()) {
      const int64_t n = s.integer(1), dim = s.integer(2);
      if (dim != s.integer(5) || s.integer(3) != n * 8 || s.integer(4) != n * dim * 2) {
        r.damage.push_back("frame set " + std::to_string(s.integer(0)) + " has sizes that do not match");
      }
    }
  }

  for (const Video& v : lib.videos()) {
    std::error_code ec;
    uintmax_t size = 0;
    int64_t mtime = 0;
    if (!batch::file_facts(v.path, &size, &mtime) || !fs::is_regular_file(v.path, ec)) {
      // Moved? A file of the same size and content in its own folder (renamed there) or under a folder given.
      std::optional<fs::path> found;
      const auto consider = [&](const fs::directory_entry& e) {
        std::error_code fec;
        if (found || !e.is_regular_file(fec) || static_cast<int64_t>(e.file_size(fec)) != v.size) return;
        try {
          if (caption::content_hash(e.path()) == v.content_hash && !lib.video_by_path(e.path().string())) {
            found = fs::absolute(e.path()).lexically_normal();
          }
        } catch (const Error&) {
        }
      };
      for (auto it = fs::directory_iterator(fs::path(v.path).parent_path(), ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        consider(*it);
      }
      for (const fs::path& d : search_dirs) {
        ec.clear();
        for (auto it = fs::recursive_directory_iterator(d, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator() && !found; it.increment(ec)) {
          consider(*it);
        }
      }
      if (found) {
        r.files.push_back("video " + std::to_string(v.id) + " moved: " + v.path + " -> " + found->string());
        if (fix) {
          Stmt(db, "UPDATE videos SET path = ? WHERE id = ?").bind(1, found->string()).bind(2, v.id).run();
          r.fixed.push_back("video " + std::to_string(v.id) + " now at " + found->string());
        }
      } else {
        r.files.push_back("video " + std::to_string(v.id) + " missing: " + v.path);
      }
      continue;
    }
    if (static_cast<int64_t>(size) == v.size && mtime == v.mtime_ns) continue;
    std::string hash;
    try {
      hash = caption::content_hash(v.path);
    } catch (const Error& e) {
      r.files.push_back("video " + std::to_string(v.id) + " unreadable: " + v.path + ": " + e.what());
      continue;
    }
    if (hash == v.content_hash) {
      r.files.push_back("video " + std::to_string(v.id) + " touched (same content): " + v.path);
      if (fix) {
        Stmt(db, "UPDATE videos SET size = ?, mtime_ns = ? WHERE id = ?")
            .bind(1, static_cast<int64_t>(size)).bind(2, mtime).bind(3, v.id).run();
        r.fixed.push_back("video " + std::to_string(v.id) + ": file facts updated");
      }
    } else {
      r.files.push_back("video " + std::to_string(v.id) + " changed: " + v.path +
                        " (its frames and captions describe the old content)");
      if (fix) {
        Transaction t(db);
        Video now = v;
        now.content_hash = hash;
        now.size = static_cast<int64_t>(size);
        now.mtime_ns = mtime;
        lib.put_video(now);  // drops what was derived from the old content
        t.commit();
        r.fixed.push_back("video " + std::to_string(v.id) + ": old frames and captions dropped (library add redoes them)");
      }
    }
  }

  for (const Model& m : lib.models()) {
    const IndexParams params = stored_index_params(lib, m.id);
    std::string why;
    if (lib.frame_count(m.id) == 0 || index_is_current(lib, m, params, &why)) continue;
    r.indexes.push_back("the " + params.kind + " index of model " + std::to_string(m.id) + " (" + m.sha256.substr(0, 12) +
                        ") is out of step: " + why + " (the next search rebuilds it)");
    if (fix) {
      VectorIndex::open(lib, m, params, threads);
      r.fixed.push_back("rebuilt the " + params.kind + " index of model " + std::to_string(m.id));
    }
  }
  return r;
}

nlohmann::ordered_json video_json(Library& lib, const Video& v, bool with_events) {
  nlohmann::ordered_json j;
  j["id"] = v.id;
  j["path"] = v.path;
  std::error_code ec;
  j["missing"] = !fs::is_regular_file(v.path, ec);
  j["duration"] = v.duration_s;
  j["size"] = v.size;
  j["content_hash"] = v.content_hash;
  j["added"] = v.added;
  nlohmann::ordered_json sets = nlohmann::ordered_json::array();
  int64_t frames = 0;
  Stmt s(lib.db(), "SELECT f.id, m.sha256, f.n_frames, f.dim, f.sampling FROM frame_sets f JOIN models m ON m.id = f.model_id WHERE f.video_id = ? ORDER BY f.id");
  s.bind(1, v.id);
  while (s.step()) {
    frames += s.integer(2);
    sets.push_back({{"id", s.integer(0)}, {"clip", s.text(1)}, {"frames", s.integer(2)}, {"dim", s.integer(3)},
                    {"sampling", nlohmann::json::parse(s.text(4), nullptr, false)}});
  }
  j["frames"] = frames;
  const std::optional<CaptionRun> run = lib.latest_run(v.id);
  j["events"] = run ? run->events.size() : 0;
  if (!with_events) return j;
  j["probe"] = nlohmann::json::parse(v.probe, nullptr, false);
  j["frame_sets"] = sets;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const CaptionRun& r : lib.runs(v.id)) {
    runs.push_back({{"id", r.id}, {"created", r.created}, {"source", r.source},
                    {"models", nlohmann::json::parse(r.models, nullptr, false)},
                    {"options", nlohmann::json::parse(r.options, nullptr, false)}});
  }
  j["caption_runs"] = runs;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  if (run) {
    for (const EventRow& e : run->events) {
      events.push_back({{"start", e.start_s}, {"end", e.end_s}, {"caption", e.caption}, {"score", e.score}});
    }
  }
  j["latest_events"] = events;
  return j;
}


}  // namespace vidscribe::library
