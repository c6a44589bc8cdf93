// Diagnostics on stderr: warnings, verbose logs and progress bars, all behind one process-wide setting.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vidscribe::util {

enum class Verbosity { kQuiet = 0, kNormal = 1, kVerbose = 2 };

// Process-wide; the command line sets it once at start-up (default kNormal).
void set_verbosity(Verbosity v);
Verbosity verbosity();

// "warning: <message>" on stderr unless quiet.
void warn(const std::string& message);
// "<message>" on stderr with -v only.
void debug(const std::string& message);

// A one-line progress display on stderr: "<label> [#####     ] 12/40 3.1/s ETA 9s".
// Draws only when stderr is a terminal and verbosity is not quiet; redraws at most 10 times a second.
// total = 0 means unknown (no bar, no ETA). Not thread-safe: drive it from one thread.
class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "");
  ~Progress();  // finishes the line if it was drawn
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_total(int64_t total);
  void set_label(std::string label);
  void update(int64_t done);    // absolute count
  void advance(int64_t n = 1);  // relative
  void finish();
  bool enabled() const { return enabled_; }

 private:
  void draw(bool force);

  std::string label_;
  std::string unit_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Human-readable durations and sizes for progress lines and tables: "1m05s", "3.2 MiB".
std::string format_duration(double seconds);
std::string format_bytes(double bytes);

}  // namespace vidscribe::util
