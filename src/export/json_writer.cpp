#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "export/text.h"
#include "export/writers.h"
#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

// Insertion-ordered, so the bytes follow the documented key order and the embedded objects keep theirs.
using Json = nlohmann::ordered_json;

// The text of an embedded JSON object (VideoCaptions::model_json / options_json); "" reads as {}.
Json embedded_object(const std::string& text, const VideoCaptions& video, const char* field) {
  if (text.empty()) return Json::object();
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(ErrorCode::kInvalidArgument,
                "video " + video.video + ": " + field + " is not a JSON object: " + text.substr(0, 80));
  }
  return j;
}

std::string dump(const Json& j, int indent) {
  // Strings were made valid UTF-8 already; `replace` only guards against a path that was missed.
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) + "\n";
}

Json video_object(const VideoCaptions& video) {
  Json events = Json::array();
  for (const Event& e : video.events) {
    events.push_back(Json{{"start", e.start_s},
                          {"end", e.end_s},
                          {"caption", sanitize_utf8(e.caption)},
                          {"score", e.score}});
  }
  return Json{{"video", sanitize_utf8(video.video)},
              {"duration", video.duration_s},
              {"events", std::move(events)},
              {"model", embedded_object(video.model_json, video, "model_json")},
              {"options", embedded_object(video.options_json, video, "options_json")}};
}

}  // namespace

std::string render_json(const std::vector<VideoCaptions>& videos) {
  if (videos.size() == 1) return dump(video_object(videos[0]), 2);
  Json all = Json::array();
  for (const VideoCaptions& v : videos) all.push_back(video_object(v));
  return dump(all, 2);
}

std::string anet_video_id(const VideoCaptions& video) {
  if (!video.video_id.empty()) return video.video_id;
  return std::filesystem::path(video.video).stem().string();
}

std::string render_anet(const std::vector<VideoCaptions>& videos) {
  // Written piece by piece: inserting into an ordered_json object searches its keys linearly, which made
  // 5000 videos take quadratic time; distinct ids are checked here instead.
  std::string out = "{\"results\":{";
  std::set<std::string> seen;
  for (const VideoCaptions& v : videos) {
    std::string id = sanitize_utf8(anet_video_id(v));
    if (id.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "video \"" + v.video + "\" has no ActivityNet video id");
    }
    if (!seen.insert(id).second) {
      throw Error(ErrorCode::kInvalidArgument, "two videos share the ActivityNet video id \"" + id +
                                                   "\" (" + v.video + "); give each a distinct id");
    }
    Json preds = Json::array();
    for (const Event& e : v.events) {
      preds.push_back(Json{{"sentence", one_line(e.caption)}, {"timestamp", Json::array({e.start_s, e.end_s})}});
    }
    if (seen.size() > 1) out += ',';
    out += Json(id).dump() + ':' + preds.dump();
  }
  // Key order and field names of the ActivityNet Captions challenge submission (evaldata/predictions).
  Json external{{"used", true},
                {"details", "vidscribe: zero-shot dense captioning (ZeroTA) with pretrained CLIP and GPT-2; "
                            "no training on the target dataset"}};
  out += "},\"version\":\"VERSION 1.0\",\"external_data\":" + external.dump() + "}\n";
  return out;
}

}  // namespace vidscribe::exporter
