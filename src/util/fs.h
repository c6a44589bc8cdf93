// File helpers that never leave a half-written file behind and turn OS errors into vidscribe::Error.
#pragma once

#include <cstdint>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace vidscribe::util {

// Whole file as bytes. Throws kNotFound if missing, kIo if unreadable or a directory.
std::string read_file(const std::filesystem::path& path);

// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename over `path`.
// After a crash either the old file or the complete new one is there, never a torn one. A path that
// exists and is not a regular file (/dev/stdout, /dev/null, a FIFO) is written straight to.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// Removes the temporary files "<name>.tmp.<pid>.<8 hex>" in `dir` that a killed writer left: those whose
// process no longer exists on this machine and that were last written at least `min_age` ago (a writer on
// another machine sharing the folder is not seen by pid, but never leaves its file that long). AtomicFile
// sweeps each folder it writes to once per process. Returns how many were removed; errors are ignored.
size_t remove_stale_temp_files(const std::filesystem::path& dir,
                               std::chrono::seconds min_age = std::chrono::seconds(600));

// A file written in pieces and published atomically on commit(); destroyed without commit() it is removed.
// A path that exists and is not a regular file (/dev/stdout, /dev/null, a FIFO) is written straight to.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  void commit();  // fsync, close, rename into place
  const std::filesystem::path& temp_path() const { return temp_; }  // empty when written straight to

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool direct_ = false;
};

// A read-only memory map of a whole file. Throws kNotFound / kIo.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace vidscribe::util
