// SHA-1 as git names blobs: the hub names small (non-LFS) files by it, so the cache can check them too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace vidscribe::models {

// SHA-1 (FIPS 180-4). Used only to check git object names, never for security.
class Sha1 {
 public:
  Sha1();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::string hex_digest();  // finishes the hash: 40 lower-case hex digits

 private:
  void block(const uint8_t* p);

  uint32_t h_[5];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// git's blob name of `data`: sha1("blob <size>\0" + data), 40 hex digits.
std::string git_blob_sha1(std::string_view data);
// The same for a file, streamed. Throws kNotFound / kIo.
std::string git_blob_sha1_file(const std::filesystem::path& path);

}  // namespace vidscribe::models
