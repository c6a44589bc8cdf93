// Still images held in memory (PNG, JPEG, BMP, WebP, GIF, TIFF... whatever FFmpeg finds in the bytes):
// media::read_image, then CLIP preprocessing, which takes the palette path for palette pictures.
#include "harness.h"
#include "media/image.h"
#include "media/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vidscribe;
  const auto source = media::Source::memory(std::string_view(reinterpret_cast<const char*>(data), size), "image");
  media::ClipPreprocessOptions pre;
  pre.resize_short_side = 24;
  pre.crop_size = 16;
  constexpr int64_t kMaxPixels = 1 << 20;  // keeps one input to milliseconds
  fuzz::run([&] { media::preprocess_clip(media::read_image(source, kMaxPixels), pre); });
  return 0;
}
