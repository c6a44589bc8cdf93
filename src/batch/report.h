// vidscribe batch status DIR and vidscribe batch merge DIR: what a batch's output folder holds, read from
// its records only (nothing is locked; a run may be going on).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscribe::batch {

// {"folder", "input", "total", "done", "failed", "pending", "failed_by_error": {"unsupported media": 2},
//  "shards": [{"shard": "0/4", "total", "done", "failed", "pending"}...], "wall_s": {"mean", "p95"},
//  "remaining_s": machine time at the measured mean, "remaining_parallel_s": with every shard running}.
// Shards are counted as batch.json's "shards" says unless `shards` > 0. When the input (manifest or
// folder) cannot be read, "input_readable" is false and only results and failures are counted.
nlohmann::ordered_json batch_status(const std::filesystem::path& dir, int shards = 0);
// The same as a table for people.
std::string format_status(const nlohmann::ordered_json& status);

struct MergeReport {
  int merged = 0;                    // results written
  std::vector<std::string> missing;  // ids of the input without a result
};
// Every result of the folder as "anet" (an ActivityNet submission for vidscribe eval), "jsonl" (one result
// record per line) or "json" (an array of them), written atomically to `output` ("-": standard output),
// in id order. Throws Error(kNotFound) when the folder holds no batch, kInvalidArgument for a format.
MergeReport merge_results(const std::filesystem::path& dir, const std::string& format, const std::string& output);

}  // namespace vidscribe::batch
