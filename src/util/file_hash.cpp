#include "util/file_hash.h"

#include <sys/stat.h>

#include <cstdlib>
#include <system_error>

#include "util/fs.h"
#include "util/log.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::util {
namespace fs = std::filesystem;

namespace {

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

fs::path default_memo_dir() {
  if (const char* v = std::getenv("XDG_CACHE_HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / "vidscribe" / "sha256";
  }
  if (const char* v = std::getenv("HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / ".cache" / "vidscribe" / "sha256";
  }
  return {};
}

}  // namespace

std::string file_sha256(const fs::path& path, const fs::path& memo_dir) {
  std::error_code ec;
  if (fs::is_symlink(path, ec)) {
    const fs::path target = fs::read_symlink(path, ec);
    if (!ec && target.parent_path().filename() == "blobs" && is_sha256_hex(target.filename().string()) &&
        fs::is_regular_file(path, ec)) {
      return target.filename().string();
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(ErrorCode::kNotFound, "cannot hash " + path.string() + ": not found");
  }
  const fs::path dir = memo_dir.empty() ? default_memo_dir() : memo_dir;
  const fs::path absolute = fs::absolute(path, ec);
  const std::string identity = absolute.string() + "\n" + std::to_string(st.st_size) + "\n" +
                               std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  const fs::path memo = dir.empty() ? fs::path() : dir / sha256_hex(identity);
  if (!memo.empty() && fs::is_regular_file(memo, ec)) {
    try {
      std::string cached = read_file(memo);
      if (is_sha256_hex(cached)) return cached;
    } catch (const Error&) {
      // An unreadable memo is recomputed.
    }
  }
  const std::string hash = sha256_file_hex(path);
  if (!memo.empty()) {
    try {
      fs::create_directories(dir);
      write_file_atomic(memo, hash);
    } catch (const std::exception& e) {
      debug(std::string("could not remember the hash of ") + path.string() + ": " + e.what());
    }
  }
  return hash;
}

}  // namespace vidscribe::util
