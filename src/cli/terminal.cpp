#include "cli/terminal.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "util/log.h"

namespace vidscribe::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void on_interrupt(int sig) {
  if (g_interrupted) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_interrupted = sig;
  static const char msg[] = "\nvidscribe: stopping (press Ctrl-C again to quit at once)\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
}

// One progress line on stderr: "<stage> [#####     ] 12/40 3.1/s ETA 9s", redrawn in place; a new stage
// ends the previous line.
class ProgressLine {
 public:
  void update(const std::string& stage, int64_t done, int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_ || !open_) {
      if (open_) std::fputc('\n', stderr);
      stage_ = stage;
      start_ = now;
      open_ = true;
    }
    draw(done, total, now);
    if (total > 0 && done >= total) {  // the stage is over
      std::fputc('\n', stderr);
      open_ = false;
      stage_.clear();
    }
    std::fflush(stderr);
  }

  // Before a message: the line is cleared, and drawn again at the next update.
  void clear() {
    if (open_) std::fputs("\r\033[K", stderr);
  }

 private:
  void draw(int64_t done, int64_t total, std::chrono::steady_clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    std::string line = "\r\033[K" + stage_;
    char buf[160];
    if (total > 0) {
      const int width = 24;
      const int filled = static_cast<int>(width * std::min(1.0, static_cast<double>(done) / static_cast<double>(total)));
      line += " [" + std::string(filled, '#') + std::string(width - filled, ' ') + "]";
      const double eta = rate > 0 ? static_cast<double>(total - done) / rate : NAN;
      std::snprintf(buf, sizeof buf, " %lld/%lld %.1f/s ETA %s", static_cast<long long>(done),
                    static_cast<long long>(total), rate, util::format_duration(eta).c_str());
    } else {
      std::snprintf(buf, sizeof buf, " %lld %.1f/s %s", static_cast<long long>(done), rate,
                    util::format_duration(elapsed).c_str());
    }
    line += buf;
    std::fputs(line.c_str(), stderr);
  }

  std::string stage_;
  bool open_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Callbacks terminal_callbacks(bool quiet, int verbose) {
  Callbacks c;
  c.abort = [] { return g_interrupted != 0; };
  if (quiet) return c;
  auto line = std::make_shared<ProgressLine>();
  c.log_level = verbose > 0 ? LogLevel::kDebug : LogLevel::kWarning;
  c.log = [line](LogLevel level, const std::string& message) {
    line->clear();
    const std::string text = (level == LogLevel::kWarning ? "warning: " : "") + message + "\n";
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  };
  if (isatty(STDERR_FILENO)) {
    c.progress = [line](const std::string& stage, int64_t done, int64_t total) { line->update(stage, done, total); };
  }
  return c;
}

int interrupt_signal() { return static_cast<int>(g_interrupted); }

void install_interrupt_handlers() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

}  // namespace vidscribe::cli
