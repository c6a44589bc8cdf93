#include "media/preprocess.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "vidscribe/error.h"

namespace vidscribe::media {
namespace {

// PIL's fixed-point resampling: weights carry 22 fractional bits (32 - 8 - 2, leaving room for 8-bit
// pixels and the sum), which is what makes our results equal PIL's to the last bit.
constexpr int kPrecisionBits = 32 - 8 - 2;

// Keys' cubic with a = -0.5, PIL's BICUBIC, support 2.
double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// The taps of one output position along one axis.
struct Taps {
  int first = 0;               // first input index
  std::vector<int32_t> weight; // fixed point, sum ~= 1 << kPrecisionBits
};

// For output size `out_size` from `in_size`: the filter support grows with the downscale factor, so every
// input pixel contributes (antialiasing), as PIL's precompute_coeffs.
std::vector<Taps> precompute_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 2.0 * filter_scale;
  std::vector<Taps> taps(static_cast<size_t>(out_size));
  std::vector<double> w;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    const int n = xmax - xmin;
    w.assign(static_cast<size_t>(std::max(n, 0)), 0.0);
    double total = 0;
    for (int x = 0; x < n; ++x) {
      w[x] = bicubic((x + xmin - center + 0.5) / filter_scale);
      total += w[x];
    }
    Taps& t = taps[xx];
    t.first = xmin;
    t.weight.resize(w.size());
    for (int x = 0; x < n; ++x) {
      double k = total != 0.0 ? w[x] / total : w[x];
      double fixed = k * (1 << kPrecisionBits);
      t.weight[x] = static_cast<int32_t>(k < 0 ? fixed - 0.5 : fixed + 0.5);
    }
  }
  return taps;
}

inline uint8_t clip8(int64_t acc) {
  if (acc <= 0) return 0;
  if (acc >= (int64_t{255} << kPrecisionBits)) return 255;
  return static_cast<uint8_t>(acc >> kPrecisionBits);
}

// Resamples rows [y0, y1) horizontally into output columns [x0, x1) (of a full output width `out_w`).
// src: [h, w, 3]; returns [y1 - y0, x1 - x0, 3].
std::vector<uint8_t> horizontal(const uint8_t* src, int w, int y0, int y1, int out_w, int x0, int x1) {
  std::vector<Taps> taps = precompute_taps(w, out_w);
  const int cols = x1 - x0;
  std::vector<uint8_t> out(static_cast<size_t>(y1 - y0) * cols * 3);
  for (int y = y0; y < y1; ++y) {
    const uint8_t* row = src + static_cast<size_t>(y) * w * 3;
    uint8_t* dst = out.data() + static_cast<size_t>(y - y0) * cols * 3;
    for (int xx = x0; xx < x1; ++xx) {
      const Taps& t = taps[xx];
      int64_t r = int64_t{1} << (kPrecisionBits - 1), g = r, b = r;
      const uint8_t* p = row + static_cast<size_t>(t.first) * 3;
      for (size_t k = 0; k < t.weight.size(); ++k, p += 3) {
        r += p[0] * static_cast<int64_t>(t.weight[k]);
        g += p[1] * static_cast<int64_t>(t.weight[k]);
        b += p[2] * static_cast<int64_t>(t.weight[k]);
      }
      uint8_t* d = dst + static_cast<size_t>(xx - x0) * 3;
      d[0] = clip8(r);
      d[1] = clip8(g);
      d[2] = clip8(b);
    }
  }
  return out;
}

// The window [x0, x1) x [y0, y1) of `image` resized to out_w x out_h, computing only that window.
// Horizontal pass first, as PIL does (the 8-bit rounding between passes depends on the order).
RgbImage resize_window(const RgbImage& image, int out_w, int out_h, int x0, int x1, int y0, int y1) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw Error(ErrorCode::kInvalidArgument, "resize: empty image or buffer that does not match its size");
  }
  if (out_w <= 0 || out_h <= 0) throw Error(ErrorCode::kInvalidArgument, "resize: output size must be positive");
  RgbImage out;
  out.width = x1 - x0;
  out.height = y1 - y0;

  // Rows of the input the vertical pass needs.
  int in_y0 = 0, in_y1 = image.height;
  std::vector<Taps> vtaps;
  if (out_h != image.height) {
    vtaps = precompute_taps(image.height, out_h);
    in_y0 = image.height;
    in_y1 = 0;
    for (int yy = y0; yy < y1; ++yy) {
      in_y0 = std::min(in_y0, vtaps[yy].first);
      in_y1 = std::max(in_y1, vtaps[yy].first + static_cast<int>(vtaps[yy].weight.size()));
    }
  } else {
    in_y0 = y0;
    in_y1 = y1;
  }

  std::vector<uint8_t> rows;  // [in_y1 - in_y0, out.width, 3]
  if (out_w != image.width) {
    rows = horizontal(image.pixels.data(), image.width, in_y0, in_y1, out_w, x0, x1);
  } else {
    rows.resize(static_cast<size_t>(in_y1 - in_y0) * out.width * 3);
    for (int y = in_y0; y < in_y1; ++y) {
      std::copy_n(image.at(x0, y), static_cast<size_t>(out.width) * 3,
                  rows.data() + static_cast<size_t>(y - in_y0) * out.width * 3);
    }
  }
  if (out_h != image.height) {
    // The horizontal pass kept input rows [in_y0, in_y1) only.
    std::vector<uint8_t> result(static_cast<size_t>(out.height) * out.width * 3);
    const size_t stride = static_cast<size_t>(out.width) * 3;
    for (int yy = y0; yy < y1; ++yy) {
      const Taps& t = vtaps[yy];
      uint8_t* dst = result.data() + static_cast<size_t>(yy - y0) * stride;
      for (size_t c = 0; c < stride; ++c) {
        int64_t acc = int64_t{1} << (kPrecisionBits - 1);
        const uint8_t* p = rows.data() + static_cast<size_t>(t.first - in_y0) * stride + c;
        for (size_t k = 0; k < t.weight.size(); ++k, p += stride) acc += *p * static_cast<int64_t>(t.weight[k]);
        dst[c] = clip8(acc);
      }
    }
    out.pixels = std::move(result);
  } else {
    out.pixels = std::move(rows);
  }
  return out;
}

// PIL's NEAREST resize: output pixel x takes input int((x + 0.5) * in / out), for the window only.
RgbImage resize_nearest_window(const RgbImage& image, int out_w, int out_h, int x0, int x1, int y0, int y1) {
  RgbImage out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  const double sx = static_cast<double>(image.width) / out_w, sy = static_cast<double>(image.height) / out_h;
  for (int y = y0; y < y1; ++y) {
    const int iy = std::min(static_cast<int>((y + 0.5) * sy), image.height - 1);
    for (int x = x0; x < x1; ++x) {
      const int ix = std::min(static_cast<int>((x + 0.5) * sx), image.width - 1);
      std::copy_n(image.at(ix, iy), 3, out.pixels.data() + (static_cast<size_t>(y - y0) * out.width + (x - x0)) * 3);
    }
  }
  return out;
}

// Python's round() of x.5 values: half to even, as torchvision's CenterCrop computes its offsets.
int round_half_even(double x) { return static_cast<int>(std::nearbyint(x)); }

}  // namespace

RgbImage resize_bicubic(const RgbImage& image, int width, int height) {
  return resize_window(image, width, height, 0, width, 0, height);
}

ImageTensor preprocess_clip(const RgbImage& image, const ClipPreprocessOptions& options) {
  if (image.width <= 0 || image.height <= 0) throw Error(ErrorCode::kInvalidArgument, "cannot preprocess an empty image");
  if (options.crop_size <= 0 || options.resize_short_side < options.crop_size) {
    throw Error(ErrorCode::kInvalidArgument, "preprocess: need 0 < crop_size <= resize_short_side, got crop " +
                                                 std::to_string(options.crop_size) + " and short side " +
                                                 std::to_string(options.resize_short_side));
  }
  const auto s = static_cast<int>(options.resize_short_side);
  int out_w, out_h;
  if (image.width <= image.height) {
    out_w = s;
    out_h = static_cast<int>(static_cast<int64_t>(s) * image.height / image.width);
  } else {
    out_h = s;
    out_w = static_cast<int>(static_cast<int64_t>(s) * image.width / image.height);
  }
  const auto crop = static_cast<int>(options.crop_size);
  const int top = round_half_even((out_h - crop) / 2.0);
  const int left = round_half_even((out_w - crop) / 2.0);
  RgbImage cropped = image.from_palette
                         ? resize_nearest_window(image, out_w, out_h, left, left + crop, top, top + crop)
                         : resize_window(image, out_w, out_h, left, left + crop, top, top + crop);

  ImageTensor t;
  t.channels = 3;
  t.height = crop;
  t.width = crop;
  t.data.resize(static_cast<size_t>(3) * crop * crop);
  const size_t plane = static_cast<size_t>(crop) * crop;
  for (int c = 0; c < 3; ++c) {
    const float scale = 1.0f / (255.0f * options.std[c]);
    const float shift = options.mean[c] / options.std[c];
    float* dst = t.data.data() + c * plane;
    for (size_t i = 0; i < plane; ++i) dst[i] = static_cast<float>(cropped.pixels[i * 3 + c]) * scale - shift;
  }
  return t;
}

}  // namespace vidscribe::media
