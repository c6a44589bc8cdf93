// vidscribe batch INPUT --out DIR: one process's share of a collection, captioned with models loaded once,
// each video's result written atomically, everything resumable (docs/batch.md).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "batch/shard.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::batch {

struct BatchParams {
  std::filesystem::path input;   // manifest or folder (manifest.h)
  std::filesystem::path out;     // the output folder (store.h)
  Shard shard;                   // this process's share
  int attempts = 2;              // tries of a video whose failure is transient (I/O, memory)
  bool retry_failed = false;     // try failed videos again, permanent failures included
  bool force = false;            // go on in a folder started with other options or models
  double stale_after_s = 600;    // a claim untouched this long belongs to a dead process
  double heartbeat_s = 60;       // how often a held claim is touched
  double poll_s = 5;             // how often to look at videos another live process holds
  ContextParams context;
  CaptionParams caption;
  // Called with one JSON object per finished video: {"event": "done"|"failed"|"skipped", "id", ...}.
  std::function<void(const nlohmann::ordered_json&)> on_video;
};

struct BatchSummary {
  int total = 0;       // videos in this shard
  int done = 0;        // with a result at the end (computed now or before)
  int computed = 0;    // captioned by this run
  int failed = 0;      // without a result: failed now or before
  double elapsed_s = 0;
};

// Runs the share; returns when every video of it has a result or a final failure. The models load once,
// before the first video that needs them: a share that is all done loads none. Throws Error for what
// stops the whole run: bad options, input, output folder or models (before any video), a folder started
// with other options (unless force), an output that cannot be written, and kCancelled when the abort
// callback fires (the video under way is abandoned, its claim released, nothing half-written).
BatchSummary run_batch(const BatchParams& params);

// The record batch.json holds: {"vidscribe", "created", "input", "shards", "options", "models"}.
nlohmann::ordered_json run_record(const BatchParams& params, const std::string& model_json);

}  // namespace vidscribe::batch
