// The frame-embedding cache reader. The checksum would stop almost every mutation at the door, so the harness
// seals the input with the right SHA-256 first: what is fuzzed is every value behind the checksum.
#include "caption/frame_cache.h"
#include "harness.h"
#include "util/sha256.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  vidscribe::util::Sha256 sha;
  sha.update(bytes);
  const auto digest = sha.digest();
  bytes.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  const auto path = vidscribe::fuzz::as_file(bytes, "entry.vsfe");
  vidscribe::fuzz::run([&] { vidscribe::caption::read_frame_cache(path, "k"); });
  return 0;
}
