#include "util/log.h"

#include <cmath>
#include <cstdio>
#include <exception>
#include <utility>

#include "vidscribe/error.h"

namespace vidscribe {

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
  }
  return "info";
}

}  // namespace vidscribe

namespace vidscribe::util {
namespace {

Callbacks& process_callbacks() {
  static Callbacks callbacks;
  return callbacks;
}

thread_local const Callbacks* t_callbacks = nullptr;

// The callbacks whose `member` is set: the thread's, else the process's; nullptr when neither has one.
template <typename Member>
const Callbacks* applying(Member member) {
  if (t_callbacks != nullptr && t_callbacks->*member) return t_callbacks;
  const Callbacks& p = process_callbacks();
  return p.*member ? &p : nullptr;
}

}  // namespace

void set_default_callbacks(Callbacks callbacks) { process_callbacks() = std::move(callbacks); }

ScopedCallbacks::ScopedCallbacks(const Callbacks& callbacks) : previous_(t_callbacks) { t_callbacks = &callbacks; }
ScopedCallbacks::~ScopedCallbacks() { t_callbacks = previous_; }

bool log_enabled(LogLevel level) {
  const Callbacks* c = applying(&Callbacks::log);
  return c != nullptr && level >= c->log_level;
}

void log(LogLevel level, const std::string& message) {
  const Callbacks* c = applying(&Callbacks::log);
  if (c != nullptr && level >= c->log_level) c->log(level, message);
}

void check_abort() {
  const Callbacks* c = applying(&Callbacks::abort);
  if (c != nullptr && c->abort()) throw Error(ErrorCode::kCancelled, "cancelled");
}

Progress::Progress(std::string stage, int64_t total)
    : stage_(std::move(stage)), total_(total), uncaught_(std::uncaught_exceptions()) {}

Progress::~Progress() {
  if (std::uncaught_exceptions() > uncaught_) return;  // unwinding: the stage did not finish
  try {
    finish();
  } catch (...) {
    // A progress callback that throws must not end the program from a destructor.
  }
}

void Progress::set_total(int64_t total) { total_ = total; }

void Progress::update(int64_t done) {
  done_ = done;
  report(false);
}

void Progress::advance(int64_t n) { update(done_ + n); }

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!reported_) return;  // nothing was under way
  total_ = done_;
  report(true);
}

void Progress::report(bool force) {
  const Callbacks* c = applying(&Callbacks::progress);
  if (c == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (done_ == total_) force = true;  // the stage's end is always reported
  if (!force && reported_ && now - last_report_ < std::chrono::milliseconds(50)) return;
  last_report_ = now;
  reported_ = true;
  c->progress(stage_, done_, total_);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buf[32];
  auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace vidscribe::util
