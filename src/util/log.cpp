#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace vidscribe::util {
namespace {
std::atomic<int> g_verbosity{static_cast<int>(Verbosity::kNormal)};
}

void set_verbosity(Verbosity v) { g_verbosity = static_cast<int>(v); }
Verbosity verbosity() { return static_cast<Verbosity>(g_verbosity.load()); }

void warn(const std::string& message) {
  if (verbosity() < Verbosity::kNormal) return;
  // On a terminal, over a progress line that may be drawn (Progress redraws below the warning).
  std::cerr << (isatty(STDERR_FILENO) ? "\r\033[K" : "") << "warning: " << message << std::endl;
}

void debug(const std::string& message) {
  if (verbosity() >= Verbosity::kVerbose) std::cerr << message << std::endl;
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

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(verbosity() >= Verbosity::kNormal && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::set_total(int64_t total) { total_ = total; }
void Progress::set_label(std::string label) {
  label_ = std::move(label);
  draw(true);
}

void Progress::update(int64_t done) {
  done_ = done;
  draw(false);
}

void Progress::advance(int64_t n) { update(done_ + n); }

void Progress::finish() {
  if (!enabled_) return;
  if (drawn_) {
    draw(true);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
  enabled_ = false;
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string line = "\r\033[K" + label_;
  char buf[160];
  if (total_ > 0) {
    const int width = 24;
    int filled = static_cast<int>(width * std::min<double>(1.0, double(done_) / double(total_)));
    line += " [" + std::string(filled, '#') + std::string(width - filled, ' ') + "]";
    double eta = rate > 0 ? double(total_ - done_) / rate : NAN;
    std::snprintf(buf, sizeof buf, " %lld/%lld%s%s %.1f/s ETA %s", static_cast<long long>(done_),
                  static_cast<long long>(total_), unit_.empty() ? "" : " ", unit_.c_str(), rate,
                  format_duration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, " %lld%s%s %.1f/s %s", static_cast<long long>(done_),
                  unit_.empty() ? "" : " ", unit_.c_str(), rate, format_duration(elapsed).c_str());
  }
  line += buf;
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace vidscribe::util
