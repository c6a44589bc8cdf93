// The RGB conversion never writes past its buffer, for any width and pixel format. libswscale is not built
// with AddressSanitizer, so its SIMD writes past the end go unseen by the sanitizer: a canary after the buffer
// is what catches them.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include <cstring>
#include <string>
#include <vector>

#include "media/ffmpeg.h"

namespace vidscribe::media::detail {
namespace {

constexpr uint8_t kCanary = 0xA5;
constexpr size_t kCanaryBytes = 4096;

// A frame of `format` whose planes hold a plain grey-ish pattern (what matters is the size, not the picture).
struct OwnedFrame {
  AVFrame* frame = av_frame_alloc();
  ~OwnedFrame() { av_frame_free(&frame); }
};

void fill(AVFrame* f) {
  for (int p = 0; p < 4 && f->buf[p] != nullptr; ++p) {
    for (size_t i = 0; i < f->buf[p]->size; ++i) f->buf[p]->data[i] = static_cast<uint8_t>(0x60 + (i % 7));
  }
}

TEST(RgbConverter, NeverWritesPastItsBufferForAnyWidthOrPixelFormat) {
  std::vector<int> widths;
  for (int w = 1; w <= 80; ++w) widths.push_back(w);
  for (int w : {360, 426, 562, 1000, 1080, 1279, 1920}) widths.push_back(w);
  const AVPixelFormat formats[] = {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV420P10LE,
                                   AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,  AV_PIX_FMT_YUV422P10LE,
                                   AV_PIX_FMT_NV12,    AV_PIX_FMT_GRAY8,    AV_PIX_FMT_GRAY16LE,
                                   AV_PIX_FMT_YUVA420P, AV_PIX_FMT_PAL8,    AV_PIX_FMT_RGB24,
                                   AV_PIX_FMT_BGRA,    AV_PIX_FMT_RGBA64LE, AV_PIX_FMT_YUYV422};
  int checked = 0;
  for (AVPixelFormat format : formats) {
    RgbConverter converter;
    for (int w : widths) {
      for (int h : {1, 2, 3, 17}) {
        OwnedFrame f;
        f.frame->width = w;
        f.frame->height = h;
        f.frame->format = format;
        ASSERT_GE(av_frame_get_buffer(f.frame, 0), 0);
        fill(f.frame);
        const size_t size = RgbConverter::buffer_size(w, h);
        ASSERT_GE(size, static_cast<size_t>(w) * h * 3);
        std::vector<uint8_t> buffer(size + kCanaryBytes, kCanary);
        converter.convert_into(f.frame, buffer.data(), size);
        size_t damaged = 0;
        for (size_t i = size; i < buffer.size(); ++i) damaged += buffer[i] != kCanary;
        ASSERT_EQ(damaged, 0u) << av_get_pix_fmt_name(format) << " " << w << "x" << h;
        // The packed picture is the same rows.
        std::vector<uint8_t> packed;
        converter.convert(f.frame, packed);
        ASSERT_EQ(packed.size(), static_cast<size_t>(w) * h * 3);
        for (int y = 0; y < h; ++y) {
          ASSERT_EQ(std::memcmp(packed.data() + static_cast<size_t>(y) * w * 3,
                                buffer.data() + static_cast<size_t>(y) * RgbConverter::row_stride(w),
                                static_cast<size_t>(w) * 3), 0)
              << av_get_pix_fmt_name(format) << " " << w << "x" << h << " row " << y;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, static_cast<int>(std::size(formats) * widths.size() * 4));
}

TEST(RgbConverter, RefusesABufferSmallerThanItNeeds) {
  OwnedFrame f;
  f.frame->width = 426;
  f.frame->height = 240;
  f.frame->format = AV_PIX_FMT_YUV420P;
  ASSERT_GE(av_frame_get_buffer(f.frame, 0), 0);
  fill(f.frame);
  std::vector<uint8_t> exact(426 * 240 * 3);
  RgbConverter converter;
  EXPECT_THROW(converter.convert_into(f.frame, exact.data(), exact.size()), Error);
}

// A damaged stream made the decoder report colour space 45, a number outside AVColorSpace's enumerators:
// reading it as the enum was undefined behaviour (UBSan, in the media fuzzer). It converts as untagged video.
TEST(RgbConverter, ColourSpaceOutsideTheEnumeratorsConvertsAsUntaggedVideo) {
  OwnedFrame tagged, untagged;
  for (AVFrame* f : {tagged.frame, untagged.frame}) {
    f->width = 16;
    f->height = 8;
    f->format = AV_PIX_FMT_YUV420P;
    ASSERT_GE(av_frame_get_buffer(f, 0), 0);
    fill(f);
  }
  const int bad_space = 45, bad_range = 7;
  std::memcpy(&tagged.frame->colorspace, &bad_space, sizeof bad_space);
  std::memcpy(&tagged.frame->color_range, &bad_range, sizeof bad_range);
  RgbConverter a, b;
  std::vector<uint8_t> out_tagged, out_untagged;
  a.convert(tagged.frame, out_tagged);
  b.convert(untagged.frame, out_untagged);
  EXPECT_EQ(out_tagged, out_untagged);
}

}  // namespace
}  // namespace vidscribe::media::detail
