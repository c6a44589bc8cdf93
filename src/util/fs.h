// File helpers that never leave a half-written file behind and turn OS errors into vidscribe::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace vidscribe::util {

// Whole file as bytes. Throws kNotFound if missing, kIo if unreadable or a directory.
std::string read_file(const std::filesystem::path& path);

// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename over `path`.
// After a crash either the old file or the complete new one is there, never a torn one.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// A file written in pieces and published atomically on commit(); destroyed without commit() it is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  void commit();  // fsync, close, rename into place
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
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
