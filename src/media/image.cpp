#include "media/image.h"

#include <algorithm>
#include <memory>
#include <string>

#include "media/ffmpeg.h"
#include "media/probe.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::media {
namespace fs = std::filesystem;

RgbImage rotate(const RgbImage& image, int degrees_cw) {
  if (degrees_cw == 0) return image;
  if (degrees_cw != 90 && degrees_cw != 180 && degrees_cw != 270) {
    throw Error(ErrorCode::kInvalidArgument, "rotation must be 0, 90, 180 or 270, got " + std::to_string(degrees_cw));
  }
  const int w = image.width, h = image.height;
  RgbImage out;
  out.width = degrees_cw == 180 ? w : h;
  out.height = degrees_cw == 180 ? h : w;
  out.pixels.resize(image.pixels.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int ox, oy;
      if (degrees_cw == 90) {  // the left column becomes the top row
        ox = h - 1 - y;
        oy = x;
      } else if (degrees_cw == 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {  // 270: the left column becomes the bottom row
        ox = y;
        oy = w - 1 - x;
      }
      const uint8_t* src = image.at(x, y);
      uint8_t* dst = out.pixels.data() + (static_cast<size_t>(oy) * out.width + ox) * 3;
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
    }
  }
  return out;
}

RgbImage read_image(const Source& source, int64_t max_pixels) {
  detail::FormatPtr fmt = detail::open_input(source);
  const fs::path& path = source.path();
  int si = detail::find_video_stream(fmt.get(), path);
  AVStream* st = fmt->streams[si];
  int64_t pixels = static_cast<int64_t>(st->codecpar->width) * st->codecpar->height;
  if (pixels > max_pixels) {
    throw Error(ErrorCode::kUnsupportedMedia, "refusing " + path.string() + ": picture larger than " +
                                                  std::to_string(max_pixels) + " pixels");
  }
  detail::CodecPtr dec = detail::open_decoder(st, 1);
  detail::PacketPtr pkt = detail::make_packet();
  detail::FramePtr frame = detail::make_frame();
  bool got = false;
  bool flushed = false;
  while (!got) {
    int err = flushed ? AVERROR_EOF : av_read_frame(fmt.get(), pkt.get());
    if (err < 0) {
      if (flushed) break;
      avcodec_send_packet(dec.get(), nullptr);
      flushed = true;
    } else {
      if (pkt->stream_index == si) avcodec_send_packet(dec.get(), pkt.get());
      av_packet_unref(pkt.get());
    }
    got = avcodec_receive_frame(dec.get(), frame.get()) == 0;
    if (flushed && !got) break;
  }
  if (!got) throw Error(ErrorCode::kUnsupportedMedia, "no picture could be decoded from " + path.string());
  RgbImage image;
  detail::RgbConverter converter;
  converter.convert(frame.get(), image.pixels);
  image.width = frame->width;
  image.height = frame->height;
  image.from_palette = frame->format == AV_PIX_FMT_PAL8 || frame->format == AV_PIX_FMT_MONOBLACK ||
                       frame->format == AV_PIX_FMT_MONOWHITE;
  RgbImage upright = rotate(image, detail::stream_rotation_cw(st));
  upright.from_palette = image.from_palette;
  return upright;
}

std::string encode_image(const RgbImage& image, ImageFormat format) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw Error(ErrorCode::kInvalidArgument, "encode_image: image buffer does not match its size");
  }
  detail::quiet_ffmpeg_logs();
  const bool jpeg = format == ImageFormat::kJpeg;
  const char* name = jpeg ? "JPEG" : "PNG";
  const AVCodec* codec = avcodec_find_encoder(jpeg ? AV_CODEC_ID_MJPEG : AV_CODEC_ID_PNG);
  if (codec == nullptr) throw Error(ErrorCode::kUnsupportedMedia, std::string("this FFmpeg has no ") + name + " encoder");
  detail::CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) throw Error(ErrorCode::kInternal, "out of memory allocating an encoder");
  // JPEG takes full-range YUV (4:4:4: no chroma loss at thumbnail sizes), at a fixed quality.
  const AVPixelFormat pix = jpeg ? AV_PIX_FMT_YUVJ444P : AV_PIX_FMT_RGB24;
  enc->width = image.width;
  enc->height = image.height;
  enc->pix_fmt = pix;
  enc->time_base = AVRational{1, 1};
  if (jpeg) {
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->color_range = AVCOL_RANGE_JPEG;
  }
  detail::check(avcodec_open2(enc.get(), codec, nullptr), ErrorCode::kIo, std::string("cannot open the ") + name + " encoder");

  detail::FramePtr frame = detail::make_frame();
  frame->width = image.width;
  frame->height = image.height;
  frame->format = pix;
  frame->pts = 0;
  detail::check(av_frame_get_buffer(frame.get(), 0), ErrorCode::kInternal, "cannot allocate a frame");
  if (jpeg) {
    frame->quality = FF_QP2LAMBDA * 3;
    frame->color_range = AVCOL_RANGE_JPEG;
    std::unique_ptr<SwsContext, void (*)(SwsContext*)> sws(
        sws_getContext(image.width, image.height, AV_PIX_FMT_RGB24, image.width, image.height, pix, SWS_BICUBIC,
                       nullptr, nullptr, nullptr),
        sws_freeContext);
    if (!sws) throw Error(ErrorCode::kInternal, "cannot convert the picture for JPEG");
    const uint8_t* src[1] = {image.pixels.data()};
    const int stride[1] = {image.width * 3};
    sws_scale(sws.get(), src, stride, 0, image.height, frame->data, frame->linesize);
  } else {
    for (int y = 0; y < image.height; ++y) {
      std::copy_n(image.at(0, y), static_cast<size_t>(image.width) * 3, frame->data[0] + static_cast<size_t>(y) * frame->linesize[0]);
    }
  }
  const std::string failed = std::string(name) + " encoding failed";
  detail::check(avcodec_send_frame(enc.get(), frame.get()), ErrorCode::kIo, failed);
  detail::check(avcodec_send_frame(enc.get(), nullptr), ErrorCode::kIo, failed);
  detail::PacketPtr pkt = detail::make_packet();
  detail::check(avcodec_receive_packet(enc.get(), pkt.get()), ErrorCode::kIo, failed);
  return std::string(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
}

void write_png(const RgbImage& image, const fs::path& path) {
  util::write_file_atomic(path, encode_image(image, ImageFormat::kPng));
}

}  // namespace vidscribe::media
