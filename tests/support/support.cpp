#include "support/support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace vidscribe::testing {
namespace fs = std::filesystem;

fs::path shared_dir() {
  const char* env = std::getenv("VIDSCRIBE_SHARED_DIR");
  if (env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(VIDSCRIBE_TEST_SHARED_DIR);
}

fs::path golden_dir() { return shared_dir() / "golden"; }

int64_t Npy::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Npy read_npy(const fs::path& path) {
  std::string data = slurp(path);
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error("not npy: " + path.string());
  int major = static_cast<unsigned char>(data[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(data[8]) | (static_cast<unsigned char>(data[9]) << 8);
    offset = 10;
  } else {
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= size_t(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    offset = 12;
  }
  std::string header = data.substr(offset, header_len);
  offset += header_len;
  Npy npy;
  auto descr_pos = header.find("'descr':");
  auto q1 = header.find('\'', descr_pos + 8);
  auto q2 = header.find('\'', q1 + 1);
  npy.dtype = header.substr(q1 + 1, q2 - q1 - 1);
  if (header.find("'fortran_order': True") != std::string::npos) throw std::runtime_error("fortran order npy");
  auto sp = header.find("'shape':");
  auto p1 = header.find('(', sp);
  auto p2 = header.find(')', p1);
  std::stringstream ss(header.substr(p1 + 1, p2 - p1 - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    npy.shape.push_back(std::stoll(item));
  }
  int64_t n = npy.numel();
  npy.values.resize(static_cast<size_t>(n));
  const char* p = data.data() + offset;
  size_t elem = (npy.dtype == "<f4" || npy.dtype == "<i4") ? 4 : 8;
  if (data.size() < offset + elem * static_cast<size_t>(n)) throw std::runtime_error("short npy: " + path.string());
  for (int64_t i = 0; i < n; ++i) {
    const char* e = p + elem * static_cast<size_t>(i);
    if (npy.dtype == "<f4") {
      float v;
      std::memcpy(&v, e, 4);
      npy.values[i] = v;
    } else if (npy.dtype == "<f8") {
      double v;
      std::memcpy(&v, e, 8);
      npy.values[i] = v;
    } else if (npy.dtype == "<i8") {
      int64_t v;
      std::memcpy(&v, e, 8);
      npy.values[i] = static_cast<double>(v);
    } else if (npy.dtype == "<i4") {
      int32_t v;
      std::memcpy(&v, e, 4);
      npy.values[i] = v;
    } else {
      throw std::runtime_error("unsupported npy dtype " + npy.dtype);
    }
  }
  return npy;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() / ("vidscribe-test-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

RunResult run_command(const std::string& command) {
  TempDir tmp;
  fs::path out = tmp / "out", err = tmp / "err";
  std::string full = "(" + command + ") </dev/null >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string vidscribe_command(const std::string& args) {
  const char* bin = std::getenv("VIDSCRIBE_BIN");
  std::string exe = (bin != nullptr && *bin != '\0') ? bin : VIDSCRIBE_TEST_BIN;
  return shell_quote(exe) + " " + args;
}

RunResult run_vidscribe(const std::string& args) { return run_command(vidscribe_command(args)); }

}  // namespace vidscribe::testing
