// Thumbnails for the viewer: the frame nearest a time, decoded on demand by the media stage, scaled to a
// fixed width, as JPEG, kept in a bounded cache (least recently used out first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vidscribe::server {

class Thumbnails {
 public:
  static constexpr int kWidth = 320;  // pixels; the height keeps the picture's shape

  explicit Thumbnails(size_t max_bytes = size_t{64} << 20) : max_bytes_(max_bytes) {}

  // The JPEG of the frame of `path` nearest `t_s` (clamped to the video), for a file known by its size and
  // modification time (a changed file is a new key). Throws like media::sample_frames (kNotFound, kIo,
  // kUnsupportedMedia).
  std::string get(const std::string& path, int64_t size, int64_t mtime_ns, double t_s);

  size_t bytes() const;  // held by the cache

 private:
  struct Entry {
    std::string jpeg;
    std::list<std::string>::iterator use;  // its place in uses_
  };
  mutable std::mutex mutex_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::list<std::string> uses_;  // keys, most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace vidscribe::server
