#include "batch/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "batch/manifest.h"
#include "batch/store.h"
#include "util/fs.h"
#include "util/log.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::batch {
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path root;
  nlohmann::json record;              // batch.json
  std::optional<std::vector<Item>> items;  // the input's videos, when it can be read
  std::string input_error;
};

Folder open_folder(const fs::path& dir) {
  Folder f;
  f.root = dir;
  const fs::path path = dir / "batch.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw Error(ErrorCode::kNotFound, "no batch in " + dir.string() + " (no batch.json): is it the --out of vidscribe batch?");
  }
  f.record = nlohmann::json::parse(util::read_file(path), nullptr, false);
  if (!f.record.is_object()) throw Error(ErrorCode::kInvalidArgument, path.string() + " is not a batch record (not JSON)");
  const std::string input = f.record.value("input", "");
  try {
    f.items = read_input(input);
  } catch (const Error& e) {
    f.input_error = e.what();
  }
  return f;
}

// Every valid result record of the folder by id (when the input is known, only its ids, checked against it).
std::map<std::string, nlohmann::json> results_of(const Folder& f) {
  std::map<std::string, nlohmann::json> out;
  const OutputDir dir(f.root, /*create=*/false);
  std::string why;
  if (f.items) {
    for (const Item& item : *f.items) {
      if (auto r = read_result(dir.result_path(item.id), &item, &why)) out.emplace(item.id, std::move(*r));
    }
    return out;
  }
  std::error_code ec;
  for (fs::directory_iterator it(f.root / "results", ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json" || it->path().filename().string().find(".tmp.") != std::string::npos) continue;
    if (auto r = read_result(it->path(), nullptr, &why)) {
      std::string id = (*r)["id"].get<std::string>();
      out.emplace(std::move(id), std::move(*r));
    }
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(k, v.size() - 1)];
}

}  // namespace

nlohmann::ordered_json batch_status(const fs::path& dir, int shards) {
  const Folder f = open_folder(dir);
  const OutputDir out(dir, /*create=*/false);
  if (shards <= 0) shards = std::max(1, f.record.value("shards", 1));
  const std::map<std::string, nlohmann::json> results = results_of(f);

  nlohmann::ordered_json status;
  status["folder"] = dir.string();
  status["input"] = f.record.value("input", "");
  status["input_readable"] = f.items.has_value();
  if (!f.items) status["input_error"] = f.input_error;

  std::vector<double> walls;
  for (const auto& [id, r] : results) walls.push_back(r.value("wall_s", 0.0));
  std::map<std::string, int> by_error;
  struct Counts { int total = 0, done = 0, failed = 0; };
  std::vector<Counts> per_shard(static_cast<size_t>(shards));
  int total = 0;
  int done = 0;
  int failed = 0;
  if (f.items) {
    for (size_t i = 0; i < f.items->size(); ++i) {
      const Item& item = (*f.items)[i];
      Counts& c = per_shard[i % static_cast<size_t>(shards)];
      ++c.total;
      ++total;
      if (results.count(item.id)) {
        ++c.done;
        ++done;
      } else if (auto failure = read_failure(out.failed_path(item.id))) {
        ++c.failed;
        ++failed;
        ++by_error[to_string(failure->code)];
      }
    }
  } else {
    done = static_cast<int>(results.size());
    std::error_code ec;
    for (fs::directory_iterator it(dir / "failed", ec), end; !ec && it != end; it.increment(ec)) {
      if (auto failure = read_failure(it->path())) {
        ++failed;
        ++by_error[to_string(failure->code)];
      }
    }
    total = done + failed;
  }
  const int pending = total - done - failed;
  status["total"] = total;
  status["done"] = done;
  status["failed"] = failed;
  status["pending"] = f.items ? nlohmann::ordered_json(pending) : nlohmann::ordered_json(nullptr);
  status["failed_by_error"] = nlohmann::ordered_json(by_error);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  if (f.items) {
    for (int s = 0; s < shards; ++s) {
      const Counts& c = per_shard[static_cast<size_t>(s)];
      list.push_back({{"shard", std::to_string(s) + "/" + std::to_string(shards)},
                      {"total", c.total},
                      {"done", c.done},
                      {"failed", c.failed},
                      {"pending", c.total - c.done - c.failed}});
    }
  }
  status["shards"] = list;
  double mean = 0;
  for (double w : walls) mean += w;
  if (!walls.empty()) mean /= static_cast<double>(walls.size());
  status["wall_s"] = {{"mean", mean}, {"p95", percentile(walls, 0.95)}};
  int busiest = 0;  // the shard with the most pending videos decides the parallel time
  for (const Counts& c : per_shard) busiest = std::max(busiest, c.total - c.done - c.failed);
  status["remaining_s"] = f.items ? nlohmann::ordered_json(pending * mean) : nlohmann::ordered_json(nullptr);
  status["remaining_parallel_s"] = f.items ? nlohmann::ordered_json(busiest * mean) : nlohmann::ordered_json(nullptr);
  return status;
}

std::string format_status(const nlohmann::ordered_json& s) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "batch %s (input %s)\n", s["folder"].get<std::string>().c_str(),
                s["input"].get<std::string>().c_str());
  out += line;
  if (!s["input_readable"].get<bool>()) {
    out += "  the input cannot be read (" + s.value("input_error", "") + "): counting results and failures only\n";
  }
  const std::string pending = s["pending"].is_null() ? "?" : std::to_string(s["pending"].get<int>());
  std::snprintf(line, sizeof line, "  %d videos: %d done, %d failed, %s pending\n", s["total"].get<int>(),
                s["done"].get<int>(), s["failed"].get<int>(), pending.c_str());
  out += line;
  for (const auto& [code, n] : s["failed_by_error"].items()) {
    out += "    failed, " + code + ": " + std::to_string(n.get<int>()) + "\n";
  }
  if (s["shards"].size() > 1) {
    out += "  shard      total   done  failed  pending\n";
    for (const auto& sh : s["shards"]) {
      std::snprintf(line, sizeof line, "  %-9s %6d %6d %7d %8d\n", sh["shard"].get<std::string>().c_str(),
                    sh["total"].get<int>(), sh["done"].get<int>(), sh["failed"].get<int>(), sh["pending"].get<int>());
      out += line;
    }
  }
  if (s["done"].get<int>() > 0) {
    std::snprintf(line, sizeof line, "  wall time per video: mean %.1f s, p95 %.1f s\n",
                  s["wall_s"]["mean"].get<double>(), s["wall_s"]["p95"].get<double>());
    out += line;
    if (!s["remaining_s"].is_null() && s["pending"].get<int>() > 0) {
      out += "  remaining: " + util::format_duration(s["remaining_s"].get<double>()) + " of machine time, " +
             util::format_duration(s["remaining_parallel_s"].get<double>()) + " with every shard running\n";
    }
  }
  return out;
}

MergeReport merge_results(const fs::path& dir, const std::string& format, const std::string& output) {
  if (format != "anet" && format != "jsonl" && format != "json") {
    throw Error(ErrorCode::kInvalidArgument, "--format " + format + ": expected anet, jsonl or json");
  }
  const Folder f = open_folder(dir);
  if (!f.items) util::warn("the input cannot be read (" + f.input_error + "): merging every result in the folder");
  const std::map<std::string, nlohmann::json> results = results_of(f);
  MergeReport report;
  if (f.items) {
    for (const Item& item : *f.items) {
      if (!results.count(item.id)) report.missing.push_back(item.id);
    }
  }
  std::string text;
  if (format == "anet") {
    std::vector<VideoCaptions> videos;
    for (const auto& [id, r] : results) videos.push_back(captions_of(r));
    text = render_captions("anet", videos);
  } else {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& [id, r] : results) {
      if (format == "jsonl") {
        text += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      } else {
        all.push_back(r);
      }
    }
    if (format == "json") text = all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  util::write_file_atomic(output == "-" ? "/dev/stdout" : output, text);
  report.merged = static_cast<int>(results.size());
  return report;
}

}  // namespace vidscribe::batch
