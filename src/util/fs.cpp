#include "util/fs.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <set>

#include "vidscribe/error.h"

namespace vidscribe::util {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void throw_errno(const std::string& what, const fs::path& path, int err) {
  ErrorCode code = (err == ENOENT) ? ErrorCode::kNotFound : ErrorCode::kIo;
  throw Error(code, what + " " + path.string() + ": " + std::strerror(err));
}

int open_regular_for_read(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open", path, errno);
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw_errno("cannot stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kIo, "not a regular file: " + path.string());
  }
  return fd;
}

std::string temp_name_for(const fs::path& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp.%d.%08llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(rng() & 0xffffffffull));
  return path.string() + suffix;
}
// The pid in a temporary name "<target>.tmp.<pid>.<8 hex digits>", or -1 when the name is not one.
long temp_name_pid(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.size() - dot - 1 != 8) return -1;
  for (size_t i = dot + 1; i < name.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return -1;
  }
  const size_t tmp = name.rfind(".tmp.", dot);
  if (tmp == std::string::npos || tmp == 0) return -1;
  const std::string pid = name.substr(tmp + 5, dot - tmp - 5);
  if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(pid);
}
}  // namespace

size_t remove_stale_temp_files(const fs::path& dir, std::chrono::seconds min_age) {
  size_t removed = 0;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long pid = temp_name_pid(name);
    if (pid <= 0 || !it->is_regular_file(ec)) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // its writer may still be at work
    const auto written = fs::last_write_time(it->path(), ec);
    if (ec || now - written < min_age) continue;
    if (fs::remove(it->path(), ec)) ++removed;
  }
  return removed;
}

namespace {
// /proc's files and this process's descriptors (/dev/stdout, /dev/fd/N) are never replaced by a rename, even
// when they lead to a regular file; /dev/shm and the like hold ordinary files.
bool names_process_file(const std::string& p) {
  return p == "/proc" || p.rfind("/proc/", 0) == 0 || p == "/dev/stdout" || p == "/dev/stderr" ||
         p.rfind("/dev/fd/", 0) == 0;
}

// The descriptor that /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N names, or -1.
int named_descriptor(const std::string& p) {
  if (p == "/dev/stdout") return 1;
  if (p == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string pre(prefix);
    if (p.rfind(pre, 0) != 0) continue;
    const std::string n = p.substr(pre.size());
    if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(n);
  }
  return -1;
}

bool writes_straight_to(const fs::path& path) {
  std::error_code ec;
  if (names_process_file(fs::absolute(path, ec).lexically_normal().string())) return true;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;  // a new file
  if (S_ISLNK(st.st_mode)) {
    const fs::path target = fs::read_symlink(path, ec);
    if (!ec && names_process_file(target.string())) return true;
    if (::stat(path.c_str(), &st) != 0) return false;  // a dangling link: the file it names is made
  }
  return !S_ISREG(st.st_mode);
}

// Each folder written to is swept once per process.
void sweep_once(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<std::string> swept;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!swept.insert(dir.string()).second) return;
  }
  remove_stale_temp_files(dir);
}
}  // namespace

std::string read_file(const fs::path& path) {
  int fd = open_regular_for_read(path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw_errno("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  AtomicFile f(path);
  f.write(data);
  f.commit();
}

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  // Something that is not a plain file of a folder - a terminal, /dev/stdout, /dev/null, a FIFO, a socket,
  // a file of /proc - is written straight to: renaming a temporary file over it would replace the device
  // node or the /dev/stdout link (which, with output redirected to a file, leads to that file; appending
  // keeps what the shell's redirect already holds).
  if (writes_straight_to(path_)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      throw Error(ErrorCode::kIo, "cannot write " + path_.string() + ": it is a folder");
    }
    direct_ = true;
    // One of this process's own descriptors (/dev/stdout): written through it, at its offset, so that the
    // output and anything else written to it stay in order.
    std::error_code ec;
    int named = named_descriptor(path_.string());
    if (named < 0 && fs::is_symlink(path_, ec)) named = named_descriptor(fs::read_symlink(path_, ec).string());
    if (named >= 0 && ::fcntl(named, F_GETFD) != -1) {
      fd_ = ::fcntl(named, F_DUPFD_CLOEXEC, 3);
      if (fd_ < 0) throw_errno("cannot write to", path_, errno);
      return;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw_errno("cannot open", path_, errno);
    return;
  }
  sweep_once(path_.has_parent_path() ? path_.parent_path() : fs::path("."));
  temp_ = temp_name_for(path_);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_errno("cannot create", temp_, errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    if (!direct_) ::unlink(temp_.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw Error(ErrorCode::kInternal, "write after commit: " + path_.string());
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", direct_ ? path_ : temp_, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw Error(ErrorCode::kInternal, "commit twice: " + path_.string());
  if (direct_) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_errno("cannot close", path_, errno);
    return;
  }
  if (::fsync(fd_) != 0) throw_errno("cannot sync", temp_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    throw_errno("cannot close", temp_, err);
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    throw_errno("cannot rename into", path_, err);
  }
  // Make the rename itself durable.
  fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

MappedFile::MappedFile(const fs::path& path) {
  int fd = open_regular_for_read(path);
  struct stat st{};
  ::fstat(fd, &st);
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw_errno("cannot map", path, err);
    }
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace vidscribe::util
