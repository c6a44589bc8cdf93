// Diagnostics - warning, info and debug messages, progress and cancellation - routed to callbacks
// (vidscribe::Callbacks): the library writes nothing itself. A public API call installs its caller's
// callbacks for the calling thread (ScopedCallbacks); where a thread has none, or leaves one empty, the
// process's default callbacks are used (the command line sets them to its stderr logger and progress bar);
// with neither, messages are dropped and nothing is cancelled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vidscribe/callbacks.h"

namespace vidscribe::util {

// The process-wide fallback. Set once at start-up, before other threads use the library.
void set_default_callbacks(Callbacks callbacks);

// `callbacks` are the calling thread's while this lives; scopes nest. The object must outlive the scope.
class ScopedCallbacks {
 public:
  explicit ScopedCallbacks(const Callbacks& callbacks);
  ~ScopedCallbacks();
  ScopedCallbacks(const ScopedCallbacks&) = delete;
  ScopedCallbacks& operator=(const ScopedCallbacks&) = delete;

 private:
  const Callbacks* previous_;
};

// A message at the given level, to whichever log callback applies.
void log(LogLevel level, const std::string& message);
inline void warn(const std::string& message) { log(LogLevel::kWarning, message); }
inline void info(const std::string& message) { log(LogLevel::kInfo, message); }
inline void debug(const std::string& message) { log(LogLevel::kDebug, message); }

// Whether a message at `level` would go anywhere (to skip building costly debug messages).
bool log_enabled(LogLevel level);

// Throws Error(kCancelled) when the abort callback that applies returns true.
void check_abort();

// A stage's progress, reported through the progress callback that applies: the first update, then at most
// 20 a second, and finish() (or the destructor) reports done == total - except while an exception unwinds
// the stage (a cancelled or failed call did not finish it). Not thread-safe: drive it from one thread.
class Progress {
 public:
  Progress(std::string stage, int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_total(int64_t total);
  void update(int64_t done);    // absolute count
  void advance(int64_t n = 1);  // relative
  void finish();

 private:
  void report(bool force);

  std::string stage_;
  int64_t total_;
  int64_t done_ = 0;
  bool reported_ = false;
  bool finished_ = false;
  int uncaught_;  // std::uncaught_exceptions() when the stage began
  std::chrono::steady_clock::time_point last_report_;
};

// Human-readable durations and sizes for progress lines and tables: "1m05s", "3.2 MiB".
std::string format_duration(double seconds);
std::string format_bytes(double bytes);

}  // namespace vidscribe::util
