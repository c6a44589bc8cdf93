// vidscribe search "QUERY" | --image IMG: moments of the library's videos that match, best first
// (docs/library.md, "How search ranks").
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/library_options.h"
#include "library/search.h"
#include "library/vector_index.h"
#include "text/unicode.h"
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

// The longest query read: CLIP sees 77 tokens and the full-text match 64 words; more is cut.
constexpr size_t kMaxQueryBytes = 4096;

void run_search(const SearchCliOptions& o) {
  if (o.query.empty() == o.image.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "search needs a QUERY text or --image IMG (one of them)");
  }
  if (!o.query.empty() && !text::is_valid_utf8(o.query)) throw Error(ErrorCode::kInvalidArgument, "the query is not valid UTF-8 text");
  std::string query = o.query;
  if (query.size() > kMaxQueryBytes) {
    size_t cut = kMaxQueryBytes;
    while (cut > 0 && (static_cast<unsigned char>(query[cut]) & 0xc0) == 0x80) --cut;  // at a character boundary
    query.resize(cut);
    util::warn("the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes; its first part is searched");
  }
  if (!o.image.empty() && o.search.mode == "captions") {
    throw Error(ErrorCode::kInvalidArgument, "a search by image compares frames: --mode captions needs a text query");
  }
  bool blank = true;
  for (const char c : query) blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (o.image.empty() && blank) throw Error(ErrorCode::kInvalidArgument, "the query is empty");
  library::check_search_options(o.search);

  library::Library lib = open_library(o.where, false);
  std::optional<library::Model> model;
  if (o.search.mode != "captions") {
    try {
      model = choose_model(lib, o.clip, o.models_cache);
    } catch (const Error& e) {
      // A library with captions but no frames still answers a text query in mode both.
      if (!(e.code() == ErrorCode::kNotFound && o.clip.empty() && o.image.empty() && o.search.mode == "both")) throw;
      util::warn(std::string(e.what()) + ": matching the captions only");
    }
  }
  std::vector<float> vector;
  std::unique_ptr<library::VectorIndex> index;
  if (model) {
    ContextParams cp;
    cp.clip = model->folder;
    cp.models_cache = o.models_cache;
    cp.language_model = false;
    cp.device = global_options().device;
    cp.threads = global_options().threads;
    Context ctx(cp);
    const nlohmann::json mj = nlohmann::json::parse(ctx.model_json());
    if (mj["clip"]["sha256"] != model->sha256) {
      throw Error(ErrorCode::kNotFound, "the CLIP folder " + model->folder +
                                            " now holds other weights than the library's frames were made with; --clip names the right one");
    }
    // The same text CLIP scored the captions with: the hard prompt, then the words (method.md section 5).
    const Embeddings e = o.image.empty() ? ctx.embed_texts({o.prompt.empty() ? query : o.prompt + " " + query})
                                         : ctx.embed_images({o.image});
    vector.assign(e.data.begin(), e.data.end());
    if (o.search.video == 0) {
      index = std::make_unique<library::VectorIndex>(
          library::VectorIndex::open(lib, *model, library::stored_index_params(lib, model->id), global_options().threads));
    }
  }
  const std::vector<library::Moment> results =
      library::search(lib, model ? &*model : nullptr, index.get(), vector, o.image.empty() ? query : "", o.search);

  if (o.json) {
    nlohmann::ordered_json j;
    j["query"] = o.image.empty() ? nlohmann::ordered_json(query) : nlohmann::ordered_json(nullptr);
    j["image"] = o.image.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.image);
    j["mode"] = o.search.mode;
    j["clip"] = model ? nlohmann::ordered_json(model->sha256) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const library::Moment& m : results) {
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
      for (const library::MomentEvent& e : m.events) {
        events.push_back({{"start", e.start_s}, {"end", e.end_s}, {"caption", e.caption}, {"match", e.match}});
      }
      r["events"] = events;
      list.push_back(r);
    }
    j["results"] = list;
    std::cout << j.dump(2) << std::endl;
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
