// CLIP image preprocessing: resize the short side (bicubic, antialiased), centre crop, scale to [0,1],
// normalise per channel. Matches OpenAI's PIL pipeline to about 1e-3 mean absolute difference.
#pragma once

#include <array>
#include <cstdint>

#include "media/image.h"

namespace vidscribe::media {

// Values come from the model's preprocessor_config.json; defaults are OpenAI CLIP's.
struct ClipPreprocessOptions {
  int64_t resize_short_side = 224;  // "shortest_edge"
  int64_t crop_size = 224;          // "crop_size" (the model's image_size)
  std::array<float, 3> mean = {0.48145466f, 0.4578275f, 0.40821073f};   // "image_mean"
  std::array<float, 3> std = {0.26862954f, 0.26130258f, 0.27577711f};   // "image_std"
};

// image: any size >= 1x1 -> [3, crop_size, crop_size] float32, (pixel/255 - mean) / std.
// Resizing is PIL's (nearest neighbour for images decoded from palette or 1-bit pixels, as PIL does): a separable bicubic (a = -0.5) convolution whose support widens with the
// downscale factor (antialiasing), rounding to 8 bits between the horizontal and vertical passes.
// The long side becomes floor(short_side * long / short) as torchvision computes it. Crop offsets round
// half to even like torchvision's CenterCrop. Throws kInvalidArgument on an empty image or bad options.
ImageTensor preprocess_clip(const RgbImage& image, const ClipPreprocessOptions& options = {});

// The resize step alone (exposed for tests): PIL-style antialiased bicubic to width x height.
RgbImage resize_bicubic(const RgbImage& image, int width, int height);

}  // namespace vidscribe::media
