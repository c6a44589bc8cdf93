// vidscribe search "QUERY" | --image IMG: moments of the library's videos that match, best first
// (docs/library.md, "How search ranks").
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/library_options.h"
#include "library/search.h"
#include "util/log.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::cli {
namespace {

struct SearchCliOptions {
  LibraryLocation where;
  std::string query;
  std::string image;
  std::string clip;
  std::string models_cache;
  std::string prompt = CaptionOptions{}.method.prompt;
  bool json = false;
  library::SearchOptions search;
};

void run_search(const SearchCliOptions& o) {
  if (o.query.empty() == o.image.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "search needs a QUERY text or --image IMG (one of them)");
  }
  library::check_search_options(o.search);
  library::Library lib = open_library(o.where, false);
  library::Searcher::Params p;
  p.clip = o.clip;
  p.models_cache = o.models_cache;
  p.device = global_options().device;
  p.threads = global_options().threads;
  p.prompt = o.prompt;
  library::Searcher searcher(lib, p);
  const std::vector<library::Moment> results = searcher.search(o.query, o.image, o.search);
  if (o.json) {
    std::cout << library::results_json(library::cut_query(o.query), o.image, o.search.mode, searcher.model(), results).dump(2) << std::endl;
    return;
  }
  if (results.empty()) std::cout << "no moments found\n";
  int rank = 0;
  for (const library::Moment& m : results) {
    std::printf("%2d. %.3f  %s - %s  video %lld  %s%s  (best frame %s)\n", ++rank, m.score,
                util::format_duration(m.start_s).c_str(), util::format_duration(m.end_s).c_str(),
                static_cast<long long>(m.video_id), m.path.c_str(), m.missing ? "  [missing]" : "",
                util::format_duration(m.best_frame_s).c_str());
    for (const library::MomentEvent& e : m.events) {
      std::printf("      %s - %s  %s\n", util::format_duration(e.start_s).c_str(), util::format_duration(e.end_s).c_str(),
                  e.caption.c_str());
    }
  }
  std::fflush(stdout);
}

Runner setup_search(CLI::App& app) {
  auto o = std::make_shared<SearchCliOptions>();
  CLI::App* sub = app.add_subcommand("search", "Find moments in the library's videos by text or by example picture, best first");
  sub->add_option("query", o->query, "What to look for (\"someone pours coffee\")");
  sub->add_option("--image", o->image, "Search by an example picture instead (frames only)");
  sub->add_option("--top", o->search.top, "Moments to show")->capture_default_str()->check(CLI::Range(1, 10000));
  sub->add_flag("--json", o->json, "As JSON");
  sub->add_option("--video", o->search.video, "Only this video (an id of vidscribe library list)")->check(CLI::Range(int64_t{1}, INT64_MAX));
  sub->add_option("--min-score", o->search.min_score, "Leave out moments scoring less");
  sub->add_option("--mode", o->search.mode, "frames (CLIP frame similarity), captions (full-text match of the event captions) or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"frames", "captions", "both"}));
  sub->add_option("--per-video", o->search.per_video, "At most this many moments of one video")->capture_default_str()->check(CLI::Range(1, 10000));
  const char* rank = "Ranking";
  sub->add_option("--frame-level", o->search.frame_level,
                  "A moment's frames: adjacent frames whose smoothed score is at least this fraction of the way from the video's lowest to its highest")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0))->group(rank);
  sub->add_option("--text-weight", o->search.text_weight, "Mode both: score = frame similarity + this * caption match (in [0, 1))")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0))->group(rank);
  sub->add_option("--nms-iou", o->search.nms_iou, "Of two moments of a video overlapping more than this (IoU), the better stays")
      ->capture_default_str()->check(CLI::Range(0.01, 1.0))->group(rank);
  sub->add_option("--candidates", o->search.candidates, "Frames taken from the vector index (0: max(256, 20 * top * per-video))")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{1000000}))->group(rank);
  sub->add_option("--prompt", o->prompt, "Text before the query, as before every caption when it was scored")->capture_default_str()->group(rank);
  sub->add_option("--clip", o->clip, "The CLIP model (folder or name) whose frames to search (default: the library's only one)")->group("Models");
  sub->add_option("--models-cache", o->models_cache, "Hugging Face hub cache with named models")->group("Models");
  add_library_location(*sub, o->where);
  return [o] { run_search(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(17, setup_search);

}  // namespace vidscribe::cli
