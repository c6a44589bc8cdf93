// Images as the media stage hands them on: decoded RGB frames and preprocessed float tensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "media/probe.h"
#include "media/source.h"

namespace vidscribe::media {

// An 8-bit RGB picture, upright (any rotation metadata already applied).
// pixels: [height, width, 3] uint8, row-major, no padding between rows.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
  // Decoded from palette or 1-bit pixels (GIF, palette PNG). PIL resizes such images with nearest neighbour,
  // and OpenAI's CLIP preprocessing inherits that; preprocess_clip follows it to match the reference.
  bool from_palette = false;

  const uint8_t* at(int x, int y) const { return pixels.data() + (static_cast<size_t>(y) * width + x) * 3; }
};

// A preprocessed image ready for a vision model.
// data: [channels, height, width] float32, C order.
struct ImageTensor {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<float> data;
};

// Rotates clockwise by `degrees_cw` (0, 90, 180 or 270; other values throw kInvalidArgument).
RgbImage rotate(const RgbImage& image, int degrees_cw);

// Reads a still image (PNG, JPEG, BMP, WebP... anything FFmpeg decodes; the first frame of an animation)
// through the same decoding path as videos. Pictures declared larger than max_pixels are refused before
// decoding. Throws kNotFound, kIo or kUnsupportedMedia.
RgbImage read_image(const Source& source, int64_t max_pixels = kDefaultMaxPixels);

enum class ImageFormat { kPng, kJpeg };

// `image` as the bytes of a PNG or JPEG file, with FFmpeg's encoders (png; mjpeg at quality 3 of 2-31, 4:4:4).
// Throws kInvalidArgument (a buffer that does not match its size) or kIo.
std::string encode_image(const RgbImage& image, ImageFormat format);

// Writes `image` as a PNG with FFmpeg's png encoder, atomically. Throws kIo.
void write_png(const RgbImage& image, const std::filesystem::path& path);

}  // namespace vidscribe::media
