// Shared test helpers: where the reference data lives, .npy files, temporary folders, running the CLI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vidscribe::testing {

// ../shared: the VIDSCRIBE_SHARED_DIR environment variable, else the folder CMake was configured with.
std::filesystem::path shared_dir();
std::filesystem::path golden_dir();  // shared_dir()/golden

// A NumPy .npy array (little-endian float32, float64, int64 or int32, C order), as float64 or int64 values.
struct Npy {
  std::vector<int64_t> shape;
  std::string dtype;            // "<f4", "<f8", "<i8", "<i4"
  std::vector<double> values;   // every dtype converted
  int64_t numel() const;
};
Npy read_npy(const std::filesystem::path& path);

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command; captures stdout and stderr separately.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run_command(const std::string& command);

// Runs the vidscribe program (VIDSCRIBE_BIN, else the one this build made) with the given argument string (already shell-quoted).
RunResult run_vidscribe(const std::string& args);
// The shell command run_vidscribe runs (a simple command: `CMD &` makes $! the program's own pid).
std::string vidscribe_command(const std::string& args);

// Single-quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

// Whole file as a string (test convenience; throws std::runtime_error).
std::string slurp(const std::filesystem::path& path);

}  // namespace vidscribe::testing
