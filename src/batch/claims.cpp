#include "batch/claims.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::batch {
namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string random_hex() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(::getpid()));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// Reads a small file whole; "" when it cannot.
std::string slurp(const fs::path& path) {
  try {
    return util::read_file(path);
  } catch (const Error&) {
    return "";
  }
}

// Seconds since the file was last modified, by this machine's clock; negative when it cannot be read.
double age_s(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return -1;
  struct timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec - st.st_mtim.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec - st.st_mtim.tv_nsec);
}

// The tokens of the Claims objects alive in this process. A claim naming this host and pid with a token
// not among them was left by an earlier process that had the same pid (pids are reused, and a container's
// first process is often pid 1 every time); one with a token among them is live.
std::mutex g_live_mutex;
std::set<std::string> g_live_tokens;

bool is_live_token(const std::string& token) {
  std::lock_guard<std::mutex> lock(g_live_mutex);
  return g_live_tokens.count(token) > 0;
}

}  // namespace

Claims::Claims(fs::path dir, double stale_after_s, double heartbeat_s)
    : dir_(std::move(dir)), stale_after_s_(stale_after_s), heartbeat_s_(heartbeat_s), host_(host_name()),
      token_(random_hex()) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create " + dir_.string() + ": " + ec.message());
  util::remove_stale_temp_files(dir_);
  {
    std::lock_guard<std::mutex> lock(g_live_mutex);
    g_live_tokens.insert(token_);
  }
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

Claims::~Claims() {
  release();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  heartbeat_.join();
  std::lock_guard<std::mutex> lock(g_live_mutex);
  g_live_tokens.erase(token_);
}

bool Claims::try_link(const fs::path& target, const std::string& content) {
  // The temporary name follows util's "<name>.tmp.<pid>.<8 hex>", so a killed process's leftovers are swept.
  const fs::path temp = target.string() + ".tmp." + std::to_string(::getpid()) + "." + random_hex().substr(0, 8);
  {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(ErrorCode::kIo, "cannot write a claim in " + dir_.string() + ": " + std::strerror(errno));
    const ssize_t n = ::write(fd, content.data(), content.size());
    const int write_err = errno;
    const bool ok = n == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(temp.c_str());
      throw Error(ErrorCode::kIo, "cannot write a claim in " + dir_.string() + ": " + std::strerror(write_err));
    }
  }
  const int rc = ::link(temp.c_str(), target.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (rc == 0) return true;
  if (err == EEXIST) return false;
  throw Error(ErrorCode::kIo, "cannot make the claim " + target.string() + ": " + std::strerror(err));
}

bool Claims::is_stale(const fs::path& path, std::string* content) const {
  *content = slurp(path);
  const double age = age_s(path);
  if (age < 0) return false;  // gone meanwhile: not ours to break, the next acquire tries again
  const nlohmann::json j = nlohmann::json::parse(*content, nullptr, false);
  if (j.is_object() && j.value("host", "") == host_ && j.contains("pid") && j["pid"].is_number_integer()) {
    const auto pid = j["pid"].get<long long>();
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
    if (pid == ::getpid() && !is_live_token(j.value("token", ""))) return true;  // an earlier process's
  }
  return age > stale_after_s_;
}

bool Claims::acquire(const std::string& name) {
  release();
  const fs::path path = dir_ / (name + ".claim");
  const nlohmann::json record = {{"host", host_},
                                 {"pid", static_cast<long long>(::getpid())},
                                 {"token", token_},
                                 {"started", static_cast<long long>(std::time(nullptr))}};
  const std::string content = record.dump() + "\n";
  for (int tries = 0; tries < 2; ++tries) {
    if (try_link(path, content)) {
      std::lock_guard<std::mutex> lock(mutex_);
      held_ = path;
      return true;
    }
    std::string seen;
    if (!is_stale(path, &seen)) return false;
    // Break it under the breaker claim; whoever holds that is breaking it already.
    const fs::path breaker = path.string() + ".break";
    if (!try_link(breaker, content)) {
      std::string breaker_seen;
      if (is_stale(breaker, &breaker_seen)) ::unlink(breaker.c_str());
      return false;
    }
    if (slurp(path) == seen) ::unlink(path.c_str());  // still the stale claim we judged, not a new one
    ::unlink(breaker.c_str());
  }
  return false;
}

void Claims::release() {
  fs::path held;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    held.swap(held_);
  }
  if (held.empty()) return;
  const nlohmann::json j = nlohmann::json::parse(slurp(held), nullptr, false);
  if (j.is_object() && j.value("token", "") == token_) ::unlink(held.c_str());
}

std::string Claims::holder(const std::string& name) const {
  const std::string content = slurp(dir_ / (name + ".claim"));
  if (content.empty()) return "";
  const nlohmann::json j = nlohmann::json::parse(content, nullptr, false);
  if (!j.is_object()) return "unknown";
  return j.value("host", "?") + " pid " + std::to_string(j.value("pid", 0LL));
}

void Claims::heartbeat_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::duration<double>(heartbeat_s_));
    if (stopping_) break;
    if (!held_.empty()) ::utimensat(AT_FDCWD, held_.c_str(), nullptr, 0);  // now, by the file server's clock
  }
}

}  // namespace vidscribe::batch
