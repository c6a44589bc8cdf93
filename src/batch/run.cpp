#include "batch/run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <cstdio>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "batch/claims.h"
#include "batch/manifest.h"
#include "batch/store.h"
#include "util/file_hash.h"
#include "util/fs.h"
#include "util/log.h"

namespace vidscribe::batch {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// {"clip": sha256, "lm": sha256} of a model_json: the models by content, whatever folder holds them.
nlohmann::ordered_json models_by_content(const std::string& model_json) {
  const nlohmann::json j = nlohmann::json::parse(model_json, nullptr, false);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!j.is_object()) return out;
  for (const char* k : {"clip", "lm"}) {
    if (j.contains(k) && j[k].is_object() && j[k].contains("sha256")) out[k] = j[k]["sha256"];
  }
  return out;
}

// The first option whose value differs, as "events: 3 here, 0 in DIR/batch.json".
std::string first_difference(const nlohmann::json& mine, const nlohmann::json& theirs, const std::string& where) {
  for (auto it = mine.begin(); it != mine.end(); ++it) {
    const auto other = theirs.find(it.key());
    if (other == theirs.end() || *other != it.value()) {
      return it.key() + ": " + it.value().dump() + " here, " + (other == theirs.end() ? "absent" : other->dump()) +
             " in " + where;
    }
  }
  for (auto it = theirs.begin(); it != theirs.end(); ++it) {
    if (!mine.contains(it.key())) return it.key() + ": absent here, " + it.value().dump() + " in " + where;
  }
  return "";
}

// Compares this run with the folder's batch.json, or writes it when there is none. The options are
// compared before the models load (`models` empty) and the models after.
void check_run_record(const OutputDir& out, const nlohmann::ordered_json& mine, bool compare_models, bool force) {
  const fs::path path = out.run_record_path();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (!compare_models) return;  // written once the models are known
    const std::string text = mine.dump(2) + "\n";
    // Written under a temporary name and linked into place: two first tasks cannot both write it.
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(std::random_device{}()));
    const fs::path temp = path.string() + ".tmp." + std::to_string(::getpid()) + "." + suffix;
    util::write_file_atomic(temp, text);
    const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
    ::unlink(temp.c_str());
    if (linked) return;
  }
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const Error& e) {
    throw Error(ErrorCode::kIo, "cannot read " + path.string() + ": " + e.what());
  }
  const nlohmann::json theirs = nlohmann::json::parse(text, nullptr, false);
  if (!theirs.is_object()) {
    throw Error(ErrorCode::kInvalidArgument,
                path.string() + " is not a batch record (not JSON): is " + out.root().string() +
                    " the output of vidscribe batch? Give another --out");
  }
  const std::string where = path.string();
  std::string difference;
  if (theirs.contains("options") && theirs["options"].is_object()) {
    difference = first_difference(mine["options"], theirs["options"], where);
  } else {
    difference = "no options in " + where;
  }
  if (difference.empty() && compare_models && theirs.contains("models")) {
    difference = first_difference(mine["models"], theirs["models"], where);
    if (!difference.empty()) difference = "models differ: " + difference;
  }
  if (difference.empty()) return;
  if (force) {
    util::warn("--force: going on with options other than the folder's (" + difference +
               "); results made before keep theirs");
    return;
  }
  throw Error(ErrorCode::kInvalidArgument, out.root().string() + " was started with other options (" + difference +
                                               "): give another --out, or --force to go on with these");
}

class Runner {
 public:
  // `context` gives the models, loading them on the first call: a share with nothing left to do loads none.
  Runner(const BatchParams& params, const OutputDir& out, std::function<Context&()> context, Claims& claims)
      : params_(params), out_(out), context_(std::move(context)), claims_(claims) {}

  BatchSummary run(const std::vector<Item>& items) {
    const auto start = Clock::now();
    std::vector<const Item*> share;
    for (size_t i = 0; i < items.size(); ++i) {
      if (params_.shard.takes(i)) share.push_back(&items[i]);
    }
    summary_.total = static_cast<int>(share.size());
    util::info("batch: " + std::to_string(share.size()) + " of " + std::to_string(items.size()) +
               " videos in shard " + params_.shard.to_string() + ", results in " + out_.root().string());

    // First pass: everything not done and not held by another live process; then what others held.
    std::vector<const Item*> waiting;
    for (const Item* item : share) {
      if (!visit(*item)) waiting.push_back(item);
    }
    if (!waiting.empty()) {
      util::info("batch: " + std::to_string(waiting.size()) +
                 " videos of this shard are being captioned by another process; waiting for them");
    }
    while (!waiting.empty()) {
      sleep_abortably(params_.poll_s);
      std::vector<const Item*> still;
      for (const Item* item : waiting) {
        if (!visit(*item)) still.push_back(item);
      }
      waiting.swap(still);
    }
    summary_.elapsed_s = seconds_since(start);
    return summary_;
  }

 private:
  enum class State { kDone, kFailed, kOpen };

  // Where a video stands from its records: a valid result, a failure not to retry, or open.
  State state_of(const Item& item, std::optional<Failure>* failure) {
    std::string why;
    if (read_result(out_.result_path(item.id), &item, &why)) return State::kDone;
    if (!why.empty() && reported_invalid_.insert(item.id).second) {
      util::warn(out_.result_path(item.id).string() + " is not a complete result (" + why + "); captioning again");
    }
    *failure = read_failure(out_.failed_path(item.id));
    if (*failure && !params_.retry_failed && ((*failure)->permanent || (*failure)->attempts >= params_.attempts)) {
      return State::kFailed;
    }
    return State::kOpen;
  }

  // Settles one video if it can: true when it has a result or a final failure, false when another live
  // process holds it.
  bool visit(const Item& item) {
    util::check_abort();
    std::optional<Failure> failure;
    State state = state_of(item, &failure);
    if (state == State::kOpen) {
      if (!claims_.acquire(file_name_for_id(item.id))) return false;
      state = state_of(item, &failure);  // another process may have finished it meanwhile
      if (state == State::kOpen) state = caption(item, failure);
      claims_.release();
    } else {
      report(state == State::kDone ? "skipped" : "failed", item, 0, failure ? failure->message : "");
    }
    (state == State::kDone ? summary_.done : summary_.failed) += 1;
    return true;
  }

  State caption(const Item& item, std::optional<Failure> previous) {
    int attempts = previous && !params_.retry_failed ? previous->attempts : 0;
    util::info("batch: captioning " + item.id);
    while (true) {
      ++attempts;
      const auto start = Clock::now();
      ResultFacts facts;
      facts.shard = params_.shard.to_string();
      VideoCaptions captions;
      try {
        if (!file_facts(item.path, &facts.size, &facts.mtime_ns)) {
          throw Error(ErrorCode::kNotFound, "no such video file: " + item.path.string());
        }
        facts.sha256 = util::file_sha256(item.path);
        captions = context_().caption_file(item.path.string(), params_.caption);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kCancelled) throw;
        Failure f;
        f.code = e.code();
        f.message = e.what();
        f.attempts = attempts;
        f.permanent = is_permanent(e.code());
        f.last_try = utc_now();
        util::write_file_atomic(out_.failed_path(item.id), failure_record(item, f).dump(2) + "\n");
        if (f.permanent || attempts >= params_.attempts) {
          util::warn("batch: " + item.id + " failed: " + f.message);
          report("failed", item, seconds_since(start), f.message);
          return State::kFailed;
        }
        util::warn("batch: " + item.id + " failed (" + f.message + "); trying again (" + std::to_string(attempts + 1) +
                   " of " + std::to_string(params_.attempts) + ")");
        continue;
      }
      facts.wall_s = seconds_since(start);
      captions.video_id = item.explicit_id ? item.id : "";
      util::write_file_atomic(out_.result_path(item.id), result_record(item, captions, facts).dump(2) + "\n");
      std::error_code ec;
      fs::remove(out_.failed_path(item.id), ec);
      ++summary_.computed;
      computed_wall_s_ += facts.wall_s;
      computed_video_s_ += captions.duration_s;
      report("done", item, facts.wall_s, "");
      return State::kDone;
    }
  }

  void report(const char* event, const Item& item, double wall_s, const std::string& message) {
    const int settled = summary_.done + summary_.failed + 1;
    const int left = summary_.total - settled;
    const double per_video = summary_.computed > 0 ? computed_wall_s_ / summary_.computed : NAN;
    const double eta = left > 0 ? left * per_video : 0.0;
    if (params_.on_video) {
      nlohmann::ordered_json j;
      j["event"] = event;
      j["id"] = item.id;
      j["shard"] = params_.shard.to_string();
      j["wall_s"] = wall_s;
      if (!message.empty()) j["message"] = message;
      j["settled"] = settled;
      j["total"] = summary_.total;
      j["left"] = left;
      j["videos_per_hour"] = std::isnan(per_video) ? 0.0 : 3600.0 / per_video;
      j["eta_s"] = std::isnan(eta) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(eta);
      params_.on_video(j);
    }
    if (std::string(event) == "skipped") return;  // a resumed run says so in its totals, not per video
    char line[256];
    if (summary_.computed > 0 && computed_wall_s_ > 0) {
      std::snprintf(line, sizeof line, "batch: [%d/%d] %s %s in %.1f s; %.0f videos/h, %.2f video-s per s, %d left, ETA %s",
                    settled, summary_.total, event, item.id.c_str(), wall_s, 3600.0 / per_video,
                    computed_video_s_ / computed_wall_s_, left, util::format_duration(eta).c_str());
    } else {
      std::snprintf(line, sizeof line, "batch: [%d/%d] %s %s; %d left", settled, summary_.total, event,
                    item.id.c_str(), left);
    }
    util::info(line);
  }

  void sleep_abortably(double seconds) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
      util::check_abort();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const BatchParams& params_;
  const OutputDir& out_;
  std::function<Context&()> context_;
  Claims& claims_;
  BatchSummary summary_;
  double computed_wall_s_ = 0;
  double computed_video_s_ = 0;
  std::set<std::string> reported_invalid_;
};

}  // namespace

nlohmann::ordered_json run_record(const BatchParams& params, const std::string& model_json) {
  nlohmann::ordered_json record;
  record["vidscribe"] = version();
  record["created"] = utc_now();
  std::error_code ec;
  const fs::path input = fs::absolute(params.input, ec);
  record["input"] = (ec ? params.input : input.lexically_normal()).string();
  record["shards"] = params.shard.count;
  record["options"] = nlohmann::ordered_json::parse(options_json(params.caption.options));
  record["models"] = models_by_content(model_json);
  return record;
}

BatchSummary run_batch(const BatchParams& params) {
  check_options(params.caption.options);
  if (params.attempts < 1 || params.attempts > 100) {
    throw Error(ErrorCode::kInvalidArgument, "--attempts must be in [1, 100]");
  }
  const std::vector<Item> items = read_input(params.input);
  const OutputDir out(params.out);
  check_run_record(out, run_record(params, "{}"), /*compare_models=*/false, params.force);
  std::optional<Context> context;
  const auto models = [&]() -> Context& {
    if (!context) {
      context.emplace(params.context);
      check_run_record(out, run_record(params, context->model_json()), /*compare_models=*/true, params.force);
    }
    return *context;
  };
  Claims claims(out.claims_dir(), params.stale_after_s, params.heartbeat_s);
  Runner runner(params, out, models, claims);
  return runner.run(items);
}

}  // namespace vidscribe::batch
