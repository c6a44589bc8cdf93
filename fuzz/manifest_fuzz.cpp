// Batch manifests in their three formats (lines, JSONL, CSV): quoting, odd ids, huge and nested lines, paths
// that climb, every id's file name.
#include <string>

#include "batch/manifest.h"
#include "harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vidscribe::batch;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (ManifestFormat format : {ManifestFormat::kLines, ManifestFormat::kJsonl, ManifestFormat::kCsv}) {
    vidscribe::fuzz::run([&] {
      for (const Item& item : parse_manifest(text, format, "/base", "manifest")) {
        const std::string name = file_name_for_id(item.id);
        // A record's name never names a folder or climbs out of one.
        if (name.empty() || name.size() > 180 || name.find('/') != std::string::npos || name[0] == '.') {
          std::abort();
        }
      }
    });
  }
  return 0;
}
