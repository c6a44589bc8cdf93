// The output folder of a batch (docs/batch.md):
//   DIR/batch.json          the run's input, options and models, written by the first process
//   DIR/results/<name>.json a video's captions, complete or absent (temporary file, fsync, rename)
//   DIR/failed/<name>.json  why a video has no result: error code, message, attempts, last try
//   DIR/claims/<name>.claim which process is captioning it now (claims.h)
// where <name> = file_name_for_id(id).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "batch/manifest.h"
#include "vidscribe/captions.h"
#include "vidscribe/error.h"

namespace vidscribe::batch {

class OutputDir {
 public:
  // Creates DIR and its folders (unless `create` is false: for readers). Throws Error(kIo) with the reason
  // (read-only file system, permission, ...).
  explicit OutputDir(std::filesystem::path root, bool create = true);
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path result_path(const std::string& id) const;
  std::filesystem::path failed_path(const std::string& id) const;
  std::filesystem::path claims_dir() const { return root_ / "claims"; }
  std::filesystem::path run_record_path() const { return root_ / "batch.json"; }

 private:
  std::filesystem::path root_;
};

// A result record: the caption JSON of `vidscribe caption` for one video plus, first, "id", "video_id" (the
// ActivityNet id: the manifest's id, else the file name without extension), "input", "sha256", "size",
// "mtime_ns", "vidscribe", "shard", "host", "finished" and "wall_s".
struct ResultFacts {
  std::string sha256;
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  double wall_s = 0;
  std::string shard;
};
nlohmann::ordered_json result_record(const Item& item, const VideoCaptions& captions, const ResultFacts& facts);

// The record at `path` if it is a complete result for `item`: JSON with this id, events with times and
// captions, and the input's size and modification time as they are now (a changed file is captioned
// again; a file that is gone keeps its result). Otherwise nullopt, with the reason in `why` ("" when there
// is no file at all).
std::optional<nlohmann::json> read_result(const std::filesystem::path& path, const Item* item, std::string* why);

// The captions a result record holds, for merging.
VideoCaptions captions_of(const nlohmann::json& record);

// Why a video has no result.
struct Failure {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int attempts = 0;
  bool permanent = false;  // a property of the file (not a video, unsupported codec, missing): not retried
  std::string last_try;    // UTC, ISO 8601
};
// Whether an error is about the video itself (not worth retrying) rather than the moment (I/O, memory).
bool is_permanent(ErrorCode code);
nlohmann::ordered_json failure_record(const Item& item, const Failure& failure);
std::optional<Failure> read_failure(const std::filesystem::path& path);

// The current time, UTC, as 2026-12-02T19:50:25Z.
std::string utc_now();

// A file's size and modification time (nanoseconds); false when it cannot be read.
bool file_facts(const std::filesystem::path& path, uintmax_t* size, int64_t* mtime_ns);

}  // namespace vidscribe::batch
