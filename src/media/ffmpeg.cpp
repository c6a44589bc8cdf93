#include "media/ffmpeg.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>

namespace vidscribe::media::detail {
namespace fs = std::filesystem;

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw Error(ErrorCode::kInternal, "out of memory allocating a frame");
  return f;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw Error(ErrorCode::kInternal, "out of memory allocating a packet");
  return p;
}

std::string av_error_string(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

int check(int err, ErrorCode code, const std::string& what) {
  if (err < 0) throw Error(code, what + ": " + av_error_string(err));
  return err;
}

void quiet_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

namespace {

// The read position in bytes held by a Source in memory: the opaque of its AVIOContext.
struct MemoryReader {
  const uint8_t* data = nullptr;
  int64_t size = 0;
  int64_t pos = 0;
};

int read_memory(void* opaque, uint8_t* buf, int buf_size) {
  auto* r = static_cast<MemoryReader*>(opaque);
  const int64_t n = std::min<int64_t>(buf_size, r->size - r->pos);
  if (n <= 0) return AVERROR_EOF;
  std::memcpy(buf, r->data + r->pos, static_cast<size_t>(n));
  r->pos += n;
  return static_cast<int>(n);
}

int64_t seek_memory(void* opaque, int64_t offset, int whence) {
  auto* r = static_cast<MemoryReader*>(opaque);
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return r->size;
  int64_t base = 0;
  if (whence == SEEK_CUR) {
    base = r->pos;
  } else if (whence == SEEK_END) {
    base = r->size;
  } else if (whence != SEEK_SET) {
    return AVERROR(EINVAL);
  }
  // base and size lie in [0, size], so neither comparison overflows.
  if (offset < -base || offset > r->size - base) return AVERROR(EINVAL);
  r->pos = base + offset;
  return r->pos;
}

void free_memory_io(AVIOContext* io) {
  if (io == nullptr) return;
  delete static_cast<MemoryReader*>(io->opaque);
  av_freep(&io->buffer);
  avio_context_free(&io);
}

AVIOContext* make_memory_io(const Source& source) {
  constexpr int kBufferSize = 1 << 15;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
  if (buffer == nullptr) throw Error(ErrorCode::kInternal, "out of memory allocating an I/O buffer");
  auto* reader = new MemoryReader{reinterpret_cast<const uint8_t*>(source.bytes().data()),
                                  static_cast<int64_t>(source.bytes().size()), 0};
  AVIOContext* io = avio_alloc_context(buffer, kBufferSize, 0, reader, read_memory, nullptr, seek_memory);
  if (io == nullptr) {
    av_free(buffer);
    delete reader;
    throw Error(ErrorCode::kInternal, "out of memory allocating an I/O context");
  }
  return io;
}

// Refuses what FFmpeg would describe vaguely ("No such file or directory" without the name, "Invalid data"
// for a folder).
void check_readable_file(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw Error(ErrorCode::kNotFound, "no such file: " + path.string());
    throw Error(ErrorCode::kIo, "cannot access " + path.string() + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) throw Error(ErrorCode::kIo, "is a directory, not a video file: " + path.string());
  if (::access(path.c_str(), R_OK) != 0) {
    throw Error(ErrorCode::kIo, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    throw Error(ErrorCode::kUnsupportedMedia, "empty file: " + path.string());
  }
}

}  // namespace

void FormatCloser::operator()(AVFormatContext* p) const {
  AVIOContext* io = (p->flags & AVFMT_FLAG_CUSTOM_IO) ? p->pb : nullptr;
  avformat_close_input(&p);  // leaves a custom AVIOContext to its owner
  free_memory_io(io);
}

FormatPtr open_input(const Source& source) {
  quiet_ffmpeg_logs();
  const std::string name = source.name();
  AVFormatContext* raw = nullptr;
  int err = 0;
  if (source.in_memory()) {
    if (source.bytes().empty()) throw Error(ErrorCode::kUnsupportedMedia, "empty input: " + name);
    raw = avformat_alloc_context();
    if (raw == nullptr) throw Error(ErrorCode::kInternal, "out of memory allocating a format context");
    AVIOContext* io = nullptr;
    try {
      io = make_memory_io(source);
    } catch (...) {
      avformat_free_context(raw);
      throw;
    }
    raw->pb = io;
    // No file name: the demuxer is chosen by content (by name, image2 would try to open files itself).
    err = avformat_open_input(&raw, "", nullptr, nullptr);
    if (err < 0) free_memory_io(io);  // FFmpeg freed the context, not the custom I/O
  } else {
    check_readable_file(source.path());
    err = avformat_open_input(&raw, source.path().c_str(), nullptr, nullptr);
  }
  if (err < 0) {
    throw Error(ErrorCode::kUnsupportedMedia,
                "not a video or image FFmpeg can read: " + name + " (" + av_error_string(err) + ")");
  }
  FormatPtr fmt(raw);
  err = avformat_find_stream_info(fmt.get(), nullptr);
  if (err < 0) {
    throw Error(ErrorCode::kUnsupportedMedia,
                "cannot read the streams of " + name + " (" + av_error_string(err) + ")");
  }
  return fmt;
}

int find_video_stream(AVFormatContext* fmt, const fs::path& path) {
  int best = -1;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
    if (best < 0) best = static_cast<int>(i);
  }
  if (best < 0) {
    // Let FFmpeg pick among the remaining candidates (it knows about default dispositions).
    best = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (best >= 0 && (fmt->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) best = -1;
  } else {
    int chosen = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (chosen >= 0 && !(fmt->streams[chosen]->disposition & AV_DISPOSITION_ATTACHED_PIC)) best = chosen;
  }
  if (best < 0) throw Error(ErrorCode::kUnsupportedMedia, "no video stream in " + path.string());
  return best;
}

int stream_rotation_cw(const AVStream* stream) {
  const uint8_t* matrix = nullptr;
#if LIBAVFORMAT_VERSION_MAJOR >= 61
  const AVPacketSideData* sd = av_packet_side_data_get(stream->codecpar->coded_side_data,
                                                       stream->codecpar->nb_coded_side_data,
                                                       AV_PKT_DATA_DISPLAYMATRIX);
  if (sd != nullptr && sd->size >= 9 * sizeof(int32_t)) matrix = sd->data;
#else
  size_t size = 0;
  matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (size < 9 * sizeof(int32_t)) matrix = nullptr;
#endif
  if (matrix == nullptr) return 0;
  // av_display_rotation_get is counter-clockwise; the ffmpeg tool rotates by its negation, as we do.
  double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(ccw)) return 0;
  long cw = std::lround(-ccw);
  cw = ((cw % 360) + 360) % 360;
  // Snap to the nearest quarter turn; other angles are not used by cameras.
  return static_cast<int>(((cw + 45) / 90) % 4 * 90);
}

CodecPtr open_decoder(const AVStream* stream, int threads) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (codec == nullptr) {
    throw Error(ErrorCode::kUnsupportedMedia,
                std::string("no decoder for codec ") + avcodec_get_name(stream->codecpar->codec_id));
  }
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error(ErrorCode::kInternal, "out of memory allocating a decoder");
  check(avcodec_parameters_to_context(ctx.get(), stream->codecpar), ErrorCode::kUnsupportedMedia,
        "bad codec parameters");
  ctx->pkt_timebase = stream->time_base;
  ctx->thread_count = threads;
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  check(avcodec_open2(ctx.get(), codec, nullptr), ErrorCode::kUnsupportedMedia,
        std::string("cannot open the ") + codec->name + " decoder");
  return ctx;
}

namespace {
// The deprecated full-range "J" formats are the plain ones with a full colour range.
AVPixelFormat unjpeg(AVPixelFormat f, bool* full_range) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: *full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full_range = true; return AV_PIX_FMT_YUV411P;
    default: return f;
  }
}

// The value of an enum field that FFmpeg (C) filled in. A damaged stream can leave a number outside the
// enumerators (a colour space of 45), which C allows but a C++ load of the enum type does not (undefined
// behaviour), so the bytes are read as the int they are.
template <typename Enum>
int c_enum_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int), "FFmpeg's enums are ints");
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

int sws_colorspace(int cs) {
  switch (cs) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    default: return SWS_CS_DEFAULT;  // BT.601, what the ffmpeg tool assumes for untagged video
  }
}
}  // namespace

size_t RgbConverter::row_stride(int width) {
  const size_t pixels = (static_cast<size_t>(width) + 31) / 32 * 32;
  return (pixels * 3 + 63) / 64 * 64;
}

size_t RgbConverter::buffer_size(int width, int height) {
  return row_stride(width) * static_cast<size_t>(height) + kTailPadding;
}

void RgbConverter::convert(const AVFrame* frame, std::vector<uint8_t>& out) {
  if (frame->width <= 0 || frame->height <= 0) throw Error(ErrorCode::kUnsupportedMedia, "decoded an empty picture");
  out.resize(buffer_size(frame->width, frame->height));
  convert_into(frame, out.data(), out.size());
  // Pack the rows in place: row y moves from y * stride to y * width * 3, never past a row not yet moved.
  const size_t packed = static_cast<size_t>(frame->width) * 3;
  const size_t stride = row_stride(frame->width);
  for (int y = 1; y < frame->height; ++y) {
    std::memmove(out.data() + static_cast<size_t>(y) * packed, out.data() + static_cast<size_t>(y) * stride, packed);
  }
  out.resize(packed * static_cast<size_t>(frame->height));
}

void RgbConverter::convert_into(const AVFrame* frame, uint8_t* dst_data, size_t capacity) {
  if (frame->width <= 0 || frame->height <= 0) throw Error(ErrorCode::kUnsupportedMedia, "decoded an empty picture");
  const int colorspace = c_enum_value(frame->colorspace);
  const int color_range = c_enum_value(frame->color_range);
  bool full_range = color_range == AVCOL_RANGE_JPEG;
  AVPixelFormat src = unjpeg(static_cast<AVPixelFormat>(frame->format), &full_range);
  if (!sws_ || frame->width != width_ || frame->height != height_ || frame->format != format_ ||
      colorspace != colorspace_ || color_range != range_) {
    // Same size in and out: only the pixel format changes, on swscale's fast (SIMD) path; SWS_ACCURATE_RND and
    // SWS_FULL_CHR_H_INT would make it several times slower for differences of one or two levels.
    sws_.reset(sws_getContext(frame->width, frame->height, src, frame->width, frame->height, AV_PIX_FMT_RGB24,
                              SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) {
      const char* name = av_get_pix_fmt_name(src);
      throw Error(ErrorCode::kUnsupportedMedia,
                  std::string("cannot convert pixel format ") + (name ? name : "?") + " to RGB");
    }
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(src);
    bool is_rgb = desc != nullptr && (desc->flags & AV_PIX_FMT_FLAG_RGB);
    if (!is_rgb) {
      const int* coeffs = sws_getCoefficients(sws_colorspace(colorspace));
      // Destination RGB is always full range.
      sws_setColorspaceDetails(sws_.get(), coeffs, full_range ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                               1 << 16, 1 << 16);
    }
    width_ = frame->width;
    height_ = frame->height;
    format_ = frame->format;
    colorspace_ = colorspace;
    range_ = color_range;
  }
  if (capacity < buffer_size(frame->width, frame->height)) {
    throw Error(ErrorCode::kInternal, "RGB conversion buffer too small");
  }
  uint8_t* dst[4] = {dst_data, nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(row_stride(frame->width)), 0, 0, 0};
  int h = sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  if (h != frame->height) throw Error(ErrorCode::kUnsupportedMedia, "pixel format conversion failed");
}

}  // namespace vidscribe::media::detail
