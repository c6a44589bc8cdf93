#include "media/image.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "media/sampler.h"
#include "media_fixtures.h"
#include "vidscribe/error.h"

namespace vidscribe::testing {
namespace {

media::RgbImage gradient(int w, int h) {
  media::RgbImage im;
  im.width = w;
  im.height = h;
  im.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = im.pixels.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>(x * 7);
      p[1] = static_cast<uint8_t>(y * 11);
      p[2] = static_cast<uint8_t>((x + y) * 3);
    }
  }
  return im;
}

TEST(Rotate, QuarterTurnsMoveCornersWhereExpected) {
  media::RgbImage im = gradient(5, 3);
  media::RgbImage cw = media::rotate(im, 90);
  ASSERT_EQ(cw.width, 3);
  ASSERT_EQ(cw.height, 5);
  // Clockwise: the bottom-left pixel becomes the top-left.
  EXPECT_EQ(cw.at(0, 0)[0], im.at(0, 2)[0]);
  EXPECT_EQ(cw.at(0, 0)[1], im.at(0, 2)[1]);
  EXPECT_EQ(cw.at(2, 0)[1], im.at(0, 0)[1]);
  media::RgbImage back = media::rotate(media::rotate(cw, 180), 90);
  EXPECT_EQ(back.pixels, im.pixels);
  media::RgbImage ccw = media::rotate(im, 270);
  EXPECT_EQ(media::rotate(ccw, 90).pixels, im.pixels);
  EXPECT_THROW(media::rotate(im, 45), Error);
}

TEST(Image, PngRoundTripIsExact) {
  TempDir dir;
  media::RgbImage im = gradient(37, 21);
  media::write_png(im, dir / "g.png");
  media::RgbImage back = media::read_image(dir / "g.png");
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 21);
  EXPECT_EQ(back.pixels, im.pixels);
}

TEST(Image, JpegKeepsThePictureUpToItsLoss) {
  media::RgbImage im = gradient(37, 21);  // odd sizes: 4:4:4 needs no even width or height
  const std::string jpeg = media::encode_image(im, media::ImageFormat::kJpeg);
  ASSERT_GT(jpeg.size(), 4u);
  EXPECT_EQ(jpeg.substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(jpeg.substr(jpeg.size() - 2), "\xFF\xD9");
  const media::RgbImage back = media::read_image(media::Source::memory(jpeg, "g.jpg"));
  ASSERT_EQ(back.width, 37);
  ASSERT_EQ(back.height, 21);
  double diff = 0;
  for (size_t i = 0; i < im.pixels.size(); ++i) diff += std::abs(int(back.pixels[i]) - int(im.pixels[i]));
  EXPECT_LT(diff / static_cast<double>(im.pixels.size()), 6.0);
  media::RgbImage bad = im;
  bad.pixels.pop_back();
  EXPECT_THROW(media::encode_image(bad, media::ImageFormat::kJpeg), Error);
}

TEST(Image, ReadsPngAndJpegMadeByFfmpeg) {
  TempDir dir;
  auto png = make_media(dir / "a.png", "-f lavfi -i color=c=blue:s=40x30,format=rgb24 -frames:v 1");
  media::RgbImage a = media::read_image(png);
  EXPECT_EQ(a.width, 40);
  EXPECT_EQ(a.height, 30);
  EXPECT_EQ(centre_error(a, {0, 0, 255}), 0);
  auto jpg = make_media(dir / "b.jpg", "-f lavfi -i color=c=yellow:s=42x32 -vf scale=41:31 -frames:v 1 -q:v 2");
  media::RgbImage b = media::read_image(jpg);
  EXPECT_EQ(b.width, 41);
  EXPECT_EQ(b.height, 31);
  EXPECT_LE(centre_error(b, {255, 255, 0}), 8);
}

TEST(Image, BytesInMemoryDecodeLikeTheFile) {
  TempDir dir;
  for (const char* name : {"c.png", "c.jpg", "c.bmp", "c.webp"}) {
    SCOPED_TRACE(name);
    auto path = make_media(dir / name, "-f lavfi -i testsrc2=s=426x240 -frames:v 1");
    const std::string bytes = slurp(path);
    const media::RgbImage a = media::read_image(path);
    const media::RgbImage b = media::read_image(media::Source::memory(bytes, name));
    EXPECT_EQ(b.width, 426);
    EXPECT_EQ(b.height, 240);
    EXPECT_EQ(a.pixels, b.pixels);
  }
}

TEST(Image, ReadsTheGoldenPng) {
  auto path = golden_dir() / "preprocess" / "testsrc2_640x360.png";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no golden data";
  media::RgbImage im = media::read_image(path);
  EXPECT_EQ(im.width, 640);
  EXPECT_EQ(im.height, 360);
}

TEST(Image, StillImageAlsoSamplesAsAOneFrameVideo) {
  TempDir dir;
  auto png = make_media(dir / "a.png", "-f lavfi -i color=c=red:s=40x30,format=rgb24 -frames:v 1");
  auto frames = media::sample_frames(png, media::SamplingOptions{});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].time_s, 0.0);
  EXPECT_EQ(centre_error(frames[0].image, {255, 0, 0}), 0);
}

}  // namespace
}  // namespace vidscribe::testing
