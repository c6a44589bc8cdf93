// What a caller of the library is told while it works, and how it stops a call: log messages, progress and
// cancellation, as callbacks. The library itself writes nothing anywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace vidscribe {

enum class LogLevel {
  kDebug = 0,    // details for -v: per-token choices, losses, timings
  kInfo = 1,     // what is being done: "captioning a.mp4", "window 2/3"
  kWarning = 2,  // something the caller should know: a damaged file kept up to where it broke, a cache not written
};

// Short name of the level: "debug", "info", "warning".
const char* to_string(LogLevel level);

struct Callbacks {
  // Every message at or above log_level. Empty: messages go nowhere.
  std::function<void(LogLevel level, const std::string& message)> log;
  LogLevel log_level = LogLevel::kInfo;

  // Progress of the stage under way: "embedding frames" (frames), "captioning 3 events" (token steps),
  // "windows" (windows of a long video) and others; total 0 = not known. Called at most about 20 times a
  // second per stage; a stage's last call has done == total.
  std::function<void(const std::string& stage, int64_t done, int64_t total)> progress;

  // Polled often: at least once per token step and per batch of frames. Returning true cancels the call,
  // which then throws vidscribe::Error with ErrorCode::kCancelled, leaving no file half-written (outputs and
  // cache entries are written whole or not at all).
  std::function<bool()> abort;
};

}  // namespace vidscribe
