#include "batch/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "util/fs.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::batch {
namespace fs = std::filesystem;

namespace {

void make_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create the output folder " + dir.string() + ": " + ec.message());
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw Error(ErrorCode::kIo, "cannot write to the output folder " + dir.string() + ": " + std::strerror(errno));
  }
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

ErrorCode code_named(const std::string& name) {
  for (ErrorCode c : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kIo, ErrorCode::kUnsupportedMedia,
                      ErrorCode::kCorruptModel, ErrorCode::kNetwork, ErrorCode::kInternal, ErrorCode::kOutOfMemory,
                      ErrorCode::kCancelled}) {
    if (name == to_string(c)) return c;
  }
  return ErrorCode::kInternal;
}

}  // namespace

OutputDir::OutputDir(fs::path root, bool create) : root_(std::move(root)) {
  if (!create) return;
  make_folder(root_);
  make_folder(root_ / "results");
  make_folder(root_ / "failed");
  make_folder(root_ / "claims");
}

fs::path OutputDir::result_path(const std::string& id) const {
  return root_ / "results" / (file_name_for_id(id) + ".json");
}

fs::path OutputDir::failed_path(const std::string& id) const {
  return root_ / "failed" / (file_name_for_id(id) + ".json");
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool file_facts(const fs::path& path, uintmax_t* size, int64_t* mtime_ns) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return false;
  *size = static_cast<uintmax_t>(st.st_size);
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

nlohmann::ordered_json result_record(const Item& item, const VideoCaptions& captions, const ResultFacts& facts) {
  nlohmann::ordered_json record;
  record["id"] = item.id;
  record["video_id"] = item.explicit_id ? item.id : item.path.stem().string();
  record["input"] = item.path.string();
  record["sha256"] = facts.sha256;
  record["size"] = facts.size;
  record["mtime_ns"] = facts.mtime_ns;
  record["vidscribe"] = version();
  record["shard"] = facts.shard;
  record["host"] = host_name();
  record["finished"] = utc_now();
  record["wall_s"] = facts.wall_s;
  const nlohmann::ordered_json caption = nlohmann::ordered_json::parse(render_captions("json", {captions}));
  for (auto it = caption.begin(); it != caption.end(); ++it) record[it.key()] = it.value();
  return record;
}

std::optional<nlohmann::json> read_result(const fs::path& path, const Item* item, std::string* why) {
  why->clear();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const Error& e) {
    *why = e.what();
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *why = "not JSON";
    return std::nullopt;
  }
  const auto string_field = [&](const char* k) { return j.contains(k) && j[k].is_string(); };
  const auto number_field = [&](const char* k) { return j.contains(k) && j[k].is_number(); };
  if (!string_field("id") || !string_field("input") || !number_field("duration") || !number_field("size") ||
      !number_field("mtime_ns") || !j.contains("events") || !j["events"].is_array()) {
    *why = "not a result of this version of vidscribe batch (fields missing)";
    return std::nullopt;
  }
  for (const auto& e : j["events"]) {
    if (!e.is_object() || !e.contains("start") || !e["start"].is_number() || !e.contains("end") ||
        !e["end"].is_number() || !e.contains("caption") || !e["caption"].is_string()) {
      *why = "an event without start, end and caption";
      return std::nullopt;
    }
  }
  if (item != nullptr) {
    if (j["id"].get<std::string>() != item->id) {
      *why = "it is the result of another id (" + j["id"].get<std::string>() + ")";
      return std::nullopt;
    }
    uintmax_t size = 0;
    int64_t mtime = 0;
    if (file_facts(item->path, &size, &mtime) &&
        (j["size"].get<uintmax_t>() != size || j["mtime_ns"].get<int64_t>() != mtime)) {
      *why = "the video changed since it was captioned";
      return std::nullopt;
    }
  }
  return j;
}

VideoCaptions captions_of(const nlohmann::json& record) {
  VideoCaptions v;
  v.video = record.value("input", "");
  v.video_id = record.value("video_id", "");
  v.duration_s = record.value("duration", 0.0);
  for (const auto& e : record["events"]) {
    Event ev;
    ev.start_s = e["start"].get<double>();
    ev.end_s = e["end"].get<double>();
    ev.caption = e["caption"].get<std::string>();
    ev.score = e.value("score", 0.0);
    v.events.push_back(std::move(ev));
  }
  if (record.contains("model") && record["model"].is_object()) v.model_json = record["model"].dump();
  if (record.contains("options") && record["options"].is_object()) v.options_json = record["options"].dump();
  return v;
}

bool is_permanent(ErrorCode code) {
  return code == ErrorCode::kUnsupportedMedia || code == ErrorCode::kNotFound ||
         code == ErrorCode::kInvalidArgument;
}

nlohmann::ordered_json failure_record(const Item& item, const Failure& failure) {
  nlohmann::ordered_json record;
  record["id"] = item.id;
  record["input"] = item.path.string();
  record["error"] = to_string(failure.code);
  record["exit_status"] = exit_status(failure.code);
  record["message"] = failure.message;
  record["permanent"] = failure.permanent;
  record["attempts"] = failure.attempts;
  record["last_try"] = failure.last_try;
  record["host"] = host_name();
  record["vidscribe"] = version();
  return record;
}

std::optional<Failure> read_failure(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const Error&) {
    return std::nullopt;
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Failure f;
    f.code = code_named(j.value("error", ""));
    f.message = j.value("message", "");
    f.attempts = j.value("attempts", 0);
    f.permanent = j.value("permanent", false);
    f.last_try = j.value("last_try", "");
    return f;
  } catch (const nlohmann::json::exception&) {  // a field of the wrong type: as if there were no record
    return std::nullopt;
  }
}

}  // namespace vidscribe::batch
