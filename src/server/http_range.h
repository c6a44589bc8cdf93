// The Range header of a GET (RFC 9110 section 14): what part of a file of `size` bytes to send. cpp-httplib
// 0.11's own handling trusts ranges past the end of the content and answers any number of them, so the media
// handler reads the header itself.
#pragma once

#include <cstdint>
#include <string>

namespace vidscribe::server {

struct ByteRange {
  enum class Kind {
    kWhole,          // no Range header, or one that is not "bytes=...": send everything (200)
    kPart,           // send [first, last] (206)
    kUnsatisfiable,  // a bytes range none of which lies in the file (416)
  };
  Kind kind = Kind::kWhole;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// Parses "bytes=a-b", "bytes=a-", "bytes=-n" and lists of them (at most kMaxRanges; more, or a malformed
// spec, is unsatisfiable). Several ranges are answered as one part from the lowest first byte to the
// highest last byte (RFC 9110 allows a server to coalesce). A last byte beyond the file is clamped to it.
ByteRange parse_range(const std::string& header, uint64_t size);

inline constexpr int kMaxRanges = 16;

}  // namespace vidscribe::server
