// Internal to media/: owning handles for FFmpeg objects and the one place FFmpeg return codes become Errors.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "media/source.h"
#include "vidscribe/error.h"

namespace vidscribe::media::detail {

struct FormatCloser {
  void operator()(AVFormatContext* p) const;  // also frees the custom I/O of a Source in memory
};
struct CodecFreer {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFreer {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;

FramePtr make_frame();
PacketPtr make_packet();

// FFmpeg's message for an AVERROR code.
std::string av_error_string(int err);

// Throws Error(code, what + ": " + FFmpeg's message) when err < 0; returns err otherwise.
int check(int err, ErrorCode code, const std::string& what);

// Keeps FFmpeg's own logging to real errors, once per process (our errors say what went wrong).
void quiet_ffmpeg_logs();

// Opens a media file or bytes in memory for demuxing and reads its stream info. Refuses missing files
// (kNotFound), directories and unreadable files (kIo) before FFmpeg sees them, and empty input and input
// FFmpeg cannot parse (kUnsupportedMedia).
FormatPtr open_input(const Source& source);

// Index of the main video stream (attached cover pictures are not video); throws kUnsupportedMedia
// ("no video stream") when there is none.
int find_video_stream(AVFormatContext* fmt, const std::filesystem::path& path);

// Clockwise rotation in degrees (0, 90, 180, 270) that the stream's display matrix asks for.
int stream_rotation_cw(const AVStream* stream);

// Opens a decoder for `stream`; threads = 0 lets FFmpeg use every core.
CodecPtr open_decoder(const AVStream* stream, int threads);

// Converts decoded frames to packed RGB24, caching the scaler between frames of the same format.
class RgbConverter {
 public:
  // Converts `frame` (any pixel format FFmpeg decodes) into out: width * height * 3 bytes, rows packed.
  void convert(const AVFrame* frame, std::vector<uint8_t>& out);

  // swscale's SIMD paths write whole blocks of 8 or 16 pixels, so for most widths a row's conversion runs
  // past width * 3 bytes (up to 24 bytes past the end of a packed picture of width 426). The conversion
  // therefore goes into rows of row_stride(width) bytes (the width rounded up to 32 pixels, then to 64
  // bytes) followed by kTailPadding bytes, and is packed afterwards.
  static constexpr size_t kTailPadding = 256;
  static size_t row_stride(int width);
  static size_t buffer_size(int width, int height);  // row_stride(width) * height + kTailPadding
  // Converts into dst, which holds `capacity` >= buffer_size(width, height) bytes, with rows
  // row_stride(width) apart (not packed). Throws kInternal when capacity is too small.
  void convert_into(const AVFrame* frame, uint8_t* dst, size_t capacity);

 private:
  SwsPtr sws_;
  int width_ = -1, height_ = -1, format_ = -1, colorspace_ = -1, range_ = -1;
};

}  // namespace vidscribe::media::detail
