// vidscribe library add|list|info|remove|check|index: a video library in one SQLite file (docs/library.md).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/caption_options.h"
#include "cli/command.h"
#include "cli/library_options.h"
#include "cli/terminal.h"
#include "library/ops.h"
#include "library/search.h"
#include "library/vector_index.h"
#include "util/log.h"

namespace vidscribe::cli {
namespace fs = std::filesystem;

namespace {

// Exit status of `library add` when some files could not be added (as batch's).
constexpr int kSomeFailed = 10;
// Exit status of `library check` when the database itself is damaged.
constexpr int kDamaged = 1;

struct LibraryCliOptions {
  LibraryLocation where;
  // add
  std::vector<std::string> paths;
  bool recursive = false;
  bool caption = false;
  std::string results;
  ModelCliOptions models;
  CaptionOptions options;
  // list, info, remove
  bool json = false;
  int64_t id = 0;
  std::vector<int64_t> ids;
  // check
  bool fix = false;
  std::vector<std::string> search_dirs;
  // index
  library::IndexParams index;
  std::string index_clip;
};

void print_summary(const char* what, const library::AddSummary& s) {
  std::cerr << what << ": " << s.added << " added, " << s.skipped << " already there, " << s.failed << " failed, of "
            << s.total << std::endl;
  if (s.failed > 0) throw ExitStatus{kSomeFailed};
}

void run_add(const LibraryCliOptions& o) {
  install_interrupt_handlers();
  library::Library lib = open_library(o.where, true);
  if (!o.results.empty()) {
    if (!o.paths.empty()) throw Error(ErrorCode::kInvalidArgument, "library add takes PATH... or --results DIR, not both");
    return print_summary("imported", library::import_results(lib, o.results));
  }
  if (o.paths.empty()) throw Error(ErrorCode::kInvalidArgument, "library add needs a PATH (a video or, with --recursive, a folder) or --results DIR");
  library::AddParams p;
  for (const std::string& s : o.paths) p.paths.emplace_back(s);
  p.recursive = o.recursive;
  p.caption = o.caption;
  p.context = context_params(o.models);
  p.caption_params = caption_params(o.models, o.options);
  print_summary("library add", library::add_videos(lib, p));
}

void run_list(const LibraryCliOptions& o) {
  library::Library lib = open_library(o.where, false);
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const library::Video& v : lib.videos()) all.push_back(library::video_json(lib, v, false));
  if (o.json) {
    std::cout << all.dump(2) << std::endl;
    return;
  }
  std::printf("%6s  %9s  %7s  %6s  %s\n", "ID", "DURATION", "FRAMES", "EVENTS", "PATH");
  for (const auto& v : all) {
    std::printf("%6lld  %9s  %7lld  %6lld  %s%s\n", static_cast<long long>(v["id"].get<int64_t>()),
                util::format_duration(v["duration"].get<double>()).c_str(),
                static_cast<long long>(v["frames"].get<int64_t>()), static_cast<long long>(v["events"].get<int64_t>()),
                v["path"].get<std::string>().c_str(), v["missing"].get<bool>() ? "  [missing]" : "");
  }
  std::printf("%zu videos\n", all.size());
}

library::Video video_or_fail(library::Library& lib, int64_t id) {
  std::optional<library::Video> v = lib.video(id);
  if (!v) throw Error(ErrorCode::kNotFound, "the library has no video " + std::to_string(id) + " (vidscribe library list)");
  return *v;
}

void run_info(const LibraryCliOptions& o) {
  library::Library lib = open_library(o.where, false);
  const nlohmann::ordered_json j = library::video_json(lib, video_or_fail(lib, o.id), true);
  if (o.json) {
    std::cout << j.dump(2) << std::endl;
    return;
  }
  std::cout << "video " << o.id << ": " << j["path"].get<std::string>() << (j["missing"].get<bool>() ? "  [missing]" : "")
            << "\n  duration " << util::format_duration(j["duration"].get<double>()) << ", "
            << util::format_bytes(j["size"].get<double>()) << ", " << j["frames"] << " frames, " << j["events"]
            << " events, added " << j["added"].get<std::string>() << "\n";
  for (const auto& s : j["frame_sets"]) {
    std::cout << "  frames: " << s["frames"] << " x " << s["dim"] << " of CLIP " << s["clip"].get<std::string>().substr(0, 12)
              << ", sampling " << s["sampling"].dump() << "\n";
  }
  for (const auto& r : j["caption_runs"]) {
    std::cout << "  caption run " << r["id"] << ": " << r["created"].get<std::string>() << " (" << r["source"].get<std::string>() << ")\n";
  }
  for (const auto& e : j["latest_events"]) {
    std::cout << "  " << util::format_duration(e["start"].get<double>()) << " - " << util::format_duration(e["end"].get<double>())
              << "  " << e["caption"].get<std::string>() << "\n";
  }
  std::cout << std::flush;
}

void run_remove(const LibraryCliOptions& o) {
  library::Library lib = open_library(o.where, false);
  library::Transaction t(lib.db());
  for (const int64_t id : o.ids) {
    video_or_fail(lib, id);
    lib.remove_video(id);
  }
  t.commit();
  std::cerr << "removed " << o.ids.size() << " videos" << std::endl;
}

void run_check(const LibraryCliOptions& o) {
  library::Library lib = open_library(o.where, false);
  std::vector<fs::path> dirs(o.search_dirs.begin(), o.search_dirs.end());
  const library::CheckReport r = library::check_library(lib, o.fix, dirs, global_options().threads);
  if (o.json) {
    std::cout << r.to_json().dump(2) << std::endl;
  } else {
    std::cout << "database: " << (r.damage.empty() ? "ok" : "DAMAGED") << "\n";
    for (const std::string& s : r.damage) std::cout << "  damage: " << s << "\n";
    for (const std::string& s : r.files) std::cout << "  file: " << s << "\n";
    for (const std::string& s : r.indexes) std::cout << "  index: " << s << "\n";
    for (const std::string& s : r.fixed) std::cout << "  fixed: " << s << "\n";
    if (r.files.empty() && r.indexes.empty()) std::cout << "files and indexes: ok\n";
    std::cout << std::flush;
  }
  if (!r.damage.empty()) throw ExitStatus{kDamaged};
}

void run_index(const LibraryCliOptions& o) {
  library::Library lib = open_library(o.where, false);
  library::check_index_params(o.index);
  const library::Model model = library::choose_model(lib, o.index_clip, o.models.models_cache);
  {
    library::Transaction t(lib.db());
    library::store_index_params(lib, model.id, o.index);
    t.commit();
  }
  const library::Model now = *lib.model(model.id);
  const library::VectorIndex index = library::VectorIndex::open(lib, now, o.index, global_options().threads);
  std::cerr << "the " << o.index.kind << " index of model " << model.id << " holds " << index.size() << " frames ("
            << library::index_path(lib.path(), model.id).string() << ")" << std::endl;
}

Runner setup_library(CLI::App& app) {
  auto o = std::make_shared<LibraryCliOptions>();
  CLI::App* sub = app.add_subcommand("library", "A video library: videos, frame embeddings and captions in one SQLite file, searchable with vidscribe search");
  sub->require_subcommand(1);

  CLI::App* add = sub->add_subcommand("add", "Add videos: probe, embed frames and, with --caption, caption; files already there with the same model and options are skipped; one transaction per video; exit 10 when some files failed");
  add->add_option("paths", o->paths, "Video files, or folders with --recursive");
  add->add_flag("-r,--recursive", o->recursive, "Add the video files under each folder");
  add->add_flag("--caption", o->caption, "Caption the videos too (loads the language model)");
  add->add_option("--results", o->results, "Import the results of vidscribe batch from its output folder, computing nothing");
  add_library_location(*add, o->where);
  add_model_options(*add, o->models);
  add_caption_options(*add, o->options);

  CLI::App* list = sub->add_subcommand("list", "The library's videos: id, duration, frames, events, path");
  list->add_flag("--json", o->json, "As JSON");
  add_library_location(*list, o->where);

  CLI::App* info = sub->add_subcommand("info", "One video: facts, frame sets, caption runs and the latest events");
  info->add_option("id", o->id, "Video id (vidscribe library list)")->required();
  info->add_flag("--json", o->json, "As JSON");
  add_library_location(*info, o->where);

  CLI::App* remove = sub->add_subcommand("remove", "Remove videos and everything derived from them (the files stay)");
  remove->add_option("ids", o->ids, "Video ids")->required();
  add_library_location(*remove, o->where);

  CLI::App* check = sub->add_subcommand("check", "Check the database, the files (missing, moved, changed) and the vector indexes; exit 1 when the database is damaged");
  check->add_flag("--fix", o->fix, "Repair what can be: follow moved files, update touched ones, drop what changed files' old content gave, rebuild indexes");
  check->add_option("--search-dir", o->search_dirs, "Also look for moved files under this folder (repeatable)");
  check->add_flag("--json", o->json, "As JSON");
  add_library_location(*check, o->where);

  CLI::App* index = sub->add_subcommand("index", "Choose and build the vector index of a CLIP model's frames (exact, flat: exact; ivf, hnsw: approximate, for big libraries)");
  index->add_option("--kind", o->index.kind, "exact (float16 scan, the default), flat (FAISS IndexFlatIP), ivf (IndexIVFFlat) or hnsw (IndexHNSWFlat)")
      ->capture_default_str()->check(CLI::IsMember({"exact", "flat", "ivf", "hnsw"}));
  index->add_option("--nlist", o->index.nlist, "ivf: clusters (0: 4 sqrt(frames) as a power of two)")->capture_default_str()->check(CLI::Range(0, 1 << 20));
  index->add_option("--nprobe", o->index.nprobe, "ivf: clusters searched per query")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  index->add_option("--hnsw-m", o->index.hnsw_m, "hnsw: links per node")->capture_default_str()->check(CLI::Range(4, 128));
  index->add_option("--ef-construction", o->index.ef_construction, "hnsw: candidates while building")->capture_default_str()->check(CLI::Range(8, 4096));
  index->add_option("--ef-search", o->index.ef_search, "hnsw: candidates while searching")->capture_default_str()->check(CLI::Range(1, 1 << 16));
  index->add_option("--clip", o->index_clip, "The CLIP model (folder or name) whose frames to index (default: the library's only one)");
  add_library_location(*index, o->where);

  return [o, add, list, info, remove, check, index] {
    if (add->parsed()) return run_add(*o);
    if (list->parsed()) return run_list(*o);
    if (info->parsed()) return run_info(*o);
    if (remove->parsed()) return run_remove(*o);
    if (check->parsed()) return run_check(*o);
    if (index->parsed()) return run_index(*o);
  };
}

}  // namespace

VIDSCRIBE_COMMAND(16, setup_library);

}  // namespace vidscribe::cli
