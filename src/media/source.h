// Where the media stage reads from: a file, or bytes in memory (an upload an embedding program holds, a fuzz
// input), read through FFmpeg's custom I/O with the same demuxers, limits and errors as a file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace vidscribe::media {

class Source {
 public:
  // A file. Implicit: every function that takes a Source takes a path.
  Source(std::filesystem::path path) : path_(std::move(path)) {}  // NOLINT(google-explicit-constructor)
  Source(const std::string& path) : path_(path) {}                 // NOLINT(google-explicit-constructor)
  Source(const char* path) : path_(path) {}                        // NOLINT(google-explicit-constructor)

  // Bytes in memory, not copied: they must outlive every use of the Source. `name` stands for them in
  // messages and in VideoInfo::path. The format is found from the content (a name's extension is not used).
  static Source memory(std::string_view bytes, std::string name = "<memory>") {
    Source s{std::filesystem::path(std::move(name))};
    s.bytes_ = bytes;
    s.in_memory_ = true;
    return s;
  }

  bool in_memory() const { return in_memory_; }
  // The file, or for bytes in memory their name.
  const std::filesystem::path& path() const { return path_; }
  std::string_view bytes() const { return bytes_; }
  std::string name() const { return path_.string(); }

 private:
  std::filesystem::path path_;
  std::string_view bytes_;
  bool in_memory_ = false;
};

}  // namespace vidscribe::media
