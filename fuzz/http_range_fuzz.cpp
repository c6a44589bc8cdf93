// Range headers: any bytes as the Range of a media request (RFC 9110), for files of several sizes. A part must
// lie inside the file; nothing may throw.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness.h"
#include "server/http_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vidscribe::server::ByteRange;
  const std::string header(reinterpret_cast<const char*>(data), size);
  for (const uint64_t file : {uint64_t{0}, uint64_t{1}, uint64_t{100}, uint64_t{1} << 40, ~uint64_t{0}}) {
    const ByteRange r = vidscribe::server::parse_range(header, file);
    if (r.kind == ByteRange::Kind::kPart && !(r.first <= r.last && r.last < file)) std::abort();
  }
  return 0;
}
