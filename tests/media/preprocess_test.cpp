#include "media/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "media/image.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::testing {
namespace {

media::RgbImage solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  media::RgbImage im;
  im.width = w;
  im.height = h;
  for (int i = 0; i < w * h; ++i) im.pixels.insert(im.pixels.end(), {r, g, b});
  return im;
}

double golden_mad(const std::string& name) {
  auto dir = golden_dir() / "preprocess";
  media::RgbImage im = media::read_image(dir / (name + ".png"));
  media::ImageTensor t = media::preprocess_clip(im);
  Npy ref = read_npy(dir / (name + ".clip224.npy"));
  EXPECT_EQ(ref.shape, (std::vector<int64_t>{3, 224, 224}));
  EXPECT_EQ(t.channels, 3);
  EXPECT_EQ(t.height, 224);
  EXPECT_EQ(t.width, 224);
  if (static_cast<int64_t>(t.data.size()) != ref.numel()) return 1e9;
  double sum = 0;
  for (size_t i = 0; i < t.data.size(); ++i) sum += std::fabs(t.data[i] - ref.values[i]);
  return sum / static_cast<double>(t.data.size());
}

TEST(ClipPreprocess, MatchesOpenAiPipelineOnGoldenImages) {
  if (!std::filesystem::exists(golden_dir() / "preprocess")) GTEST_SKIP() << "no golden data";
  for (const char* name : {"testsrc2_640x360", "mandelbrot_300x500"}) {
    double mad = golden_mad(name);
    std::cout << name << ": mean absolute difference " << mad << std::endl;
    RecordProperty(std::string("mad_") + name, std::to_string(mad));
    EXPECT_LT(mad, 0.005) << name;
  }
}

TEST(ClipPreprocess, SolidColourNormalisesExactly) {
  media::ClipPreprocessOptions o;
  media::ImageTensor t = media::preprocess_clip(solid(300, 170, 200, 100, 50), o);
  ASSERT_EQ(t.data.size(), 3u * 224 * 224);
  const float want[3] = {(200 / 255.0f - o.mean[0]) / o.std[0], (100 / 255.0f - o.mean[1]) / o.std[1],
                         (50 / 255.0f - o.mean[2]) / o.std[2]};
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 224 * 224; i += 997) EXPECT_NEAR(t.data[c * 224 * 224 + i], want[c], 1e-5);
  }
}

TEST(ClipPreprocess, CropsTheCentreOfTheLongSide) {
  // 100x50: left quarter red, the rest green. Resized to 448x224 and cropped to [112, 336): all green.
  media::RgbImage im = solid(100, 50, 0, 255, 0);
  for (int y = 0; y < 50; ++y) {
    for (int x = 0; x < 25; ++x) im.pixels[(y * 100 + x) * 3] = 255, im.pixels[(y * 100 + x) * 3 + 1] = 0;
  }
  media::ClipPreprocessOptions o;
  o.mean = {0, 0, 0};
  o.std = {1, 1, 1};
  media::ImageTensor t = media::preprocess_clip(im, o);
  // The red edge ends at x = 112 after resizing; the crop starts there, so column 0 is at the transition
  // and columns >= 4 (past the filter support) are pure green.
  for (int x = 4; x < 224; x += 13) {
    EXPECT_NEAR(t.data[0 * 224 * 224 + 100 * 224 + x], 0.0, 1e-6) << x;
    EXPECT_NEAR(t.data[1 * 224 * 224 + 100 * 224 + x], 1.0, 1e-6) << x;
  }
  EXPECT_GT(t.data[0 * 224 * 224 + 100 * 224 + 0], 0.05);  // some red leaks into the first column
}

TEST(ClipPreprocess, DownscalingAveragesFineStripesAway) {
  // One-pixel black/white stripes shrunk 4x: an antialiased filter gives flat grey; a plain 4-tap bicubic
  // would pick single stripes and leave black or white columns.
  media::RgbImage im = solid(896, 224, 0, 0, 0);
  for (int y = 0; y < 224; ++y) {
    for (int x = 1; x < 896; x += 2) {
      for (int c = 0; c < 3; ++c) im.pixels[(y * 896 + x) * 3 + c] = 255;
    }
  }
  media::RgbImage small = media::resize_bicubic(im, 224, 56);
  for (int x = 2; x < 222; ++x) EXPECT_NEAR(small.at(x, 20)[0], 127.5, 2.0) << x;
}

TEST(ClipPreprocess, SameSizeResizeIsIdentity) {
  media::RgbImage im = solid(31, 17, 0, 0, 0);
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>(i * 37);
  EXPECT_EQ(media::resize_bicubic(im, 31, 17).pixels, im.pixels);
}

TEST(ClipPreprocess, PortraitAndCustomSizes) {
  media::ClipPreprocessOptions o;
  o.resize_short_side = 40;
  o.crop_size = 32;
  media::ImageTensor t = media::preprocess_clip(solid(30, 90, 1, 2, 3), o);
  EXPECT_EQ(t.channels, 3);
  EXPECT_EQ(t.height, 32);
  EXPECT_EQ(t.width, 32);
  o.crop_size = 64;
  EXPECT_THROW(media::preprocess_clip(solid(30, 90, 1, 2, 3), o), Error);
  EXPECT_THROW(media::preprocess_clip(media::RgbImage{}, media::ClipPreprocessOptions{}), Error);
}

}  // namespace
}  // namespace vidscribe::testing
