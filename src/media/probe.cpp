#include "media/probe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "media/ffmpeg.h"
#include "media/probe_internal.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace vidscribe::media {
namespace fs = std::filesystem;

namespace detail {

double to_seconds(int64_t ts, AVRational tb) { return static_cast<double>(ts) * av_q2d(tb); }

// Frame intervals on the first packets, sorted into presentation order. Reads packets only (cheap).
// If `scan_all`, reads to the end to find where the stream ends (for files that do not declare it).
PacketScan scan_packets(AVFormatContext* fmt, int stream_index, bool scan_all) {
  PacketScan scan;
  const AVStream* st = fmt->streams[stream_index];
  PacketPtr pkt = make_packet();
  std::vector<int64_t> pts;
  constexpr size_t kIntervalPackets = 240;
  bool at_end = false;
  for (;;) {
    int err = av_read_frame(fmt, pkt.get());
    if (err < 0) {
      at_end = true;
      break;
    }
    if (pkt->stream_index == stream_index) {
      int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      if (t != AV_NOPTS_VALUE) {
        if (pts.size() < kIntervalPackets) pts.push_back(t);
        int64_t end = t + std::max<int64_t>(pkt->duration, 0);
        scan.first_pts = scan.n_packets == 0 ? t : std::min(scan.first_pts, t);
        scan.end_pts = scan.n_packets == 0 ? end : std::max(scan.end_pts, end);
        if (pkt->duration <= 0) scan.missing_durations = true;
      }
      ++scan.n_packets;
    }
    av_packet_unref(pkt.get());
    if (!scan_all && pts.size() >= kIntervalPackets) break;
  }
  std::sort(pts.begin(), pts.end());
  for (size_t i = 1; i < pts.size(); ++i) {
    if (pts[i] > pts[i - 1]) scan.intervals_s.push_back(to_seconds(pts[i] - pts[i - 1], st->time_base));
  }
  scan.complete = scan_all || at_end;  // every packet seen
  return scan;
}

}  // namespace detail

namespace {

bool is_image_format(const AVFormatContext* fmt) {
  std::string name = fmt->iformat->name;
  return name.find("_pipe") != std::string::npos || name == "image2" || name == "png" || name == "jpeg";
}

}  // namespace

VideoInfo probe(const Source& source, const ProbeOptions& options) {
  detail::FormatPtr fmt = detail::open_input(source);
  const fs::path& path = source.path();
  VideoInfo info;
  info.path = path.string();
  info.container = fmt->iformat->name;
  info.n_streams = static_cast<int>(fmt->nb_streams);
  info.video_stream = detail::find_video_stream(fmt.get(), path);
  const AVStream* st = fmt->streams[info.video_stream];
  const AVCodecParameters* par = st->codecpar;

  info.codec = avcodec_get_name(par->codec_id);
  const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  info.pixel_format = pix ? pix : "unknown";
  info.coded_width = par->width;
  info.coded_height = par->height;
  if (par->width <= 0 || par->height <= 0) {
    throw Error(ErrorCode::kUnsupportedMedia, "the video in " + path.string() + " declares no picture size");
  }
  int64_t pixels = static_cast<int64_t>(par->width) * par->height;
  if (pixels > options.max_pixels) {
    throw Error(ErrorCode::kUnsupportedMedia,
                "refusing " + path.string() + ": declared picture size " + std::to_string(par->width) + "x" +
                    std::to_string(par->height) + " exceeds the limit of " + std::to_string(options.max_pixels) +
                    " pixels");
  }
  info.rotation_cw = detail::stream_rotation_cw(st);
  bool swap = info.rotation_cw == 90 || info.rotation_cw == 270;
  info.width = swap ? par->height : par->width;
  info.height = swap ? par->width : par->height;
  info.is_still_image = is_image_format(fmt.get());

  AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate : st->r_frame_rate;
  if (rate.num > 0 && rate.den > 0) info.fps = av_q2d(rate);

  if (st->start_time != AV_NOPTS_VALUE) {
    info.start_s = detail::to_seconds(st->start_time, st->time_base);
  } else if (fmt->start_time != AV_NOPTS_VALUE) {
    info.start_s = static_cast<double>(fmt->start_time) / AV_TIME_BASE;
  }

  const bool stream_duration = st->duration != AV_NOPTS_VALUE && st->duration > 0;
  const bool container_duration = fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0;
  if (stream_duration) {
    info.duration_s = detail::to_seconds(st->duration, st->time_base);
    info.duration_source = "stream";
  }
  info.n_frames = st->nb_frames > 0 ? st->nb_frames : 0;
  if (container_duration) info.container_duration_s = static_cast<double>(fmt->duration) / AV_TIME_BASE;

  // The first packets tell whether the frame rate varies. Without a stream duration (Matroska, WebM, streamed
  // files) the packets also tell where the video ends: the container's figure alone is ambiguous (Matroska
  // counts it from 0, MP4 from the start time) and may come from a bitrate guess.
  detail::PacketScan head = detail::scan_packets(fmt.get(), info.video_stream, !stream_duration && !container_duration);
  if (head.n_packets == 0) {
    throw Error(ErrorCode::kUnsupportedMedia, "the video stream of " + path.string() + " holds no frames");
  }
  if (st->start_time == AV_NOPTS_VALUE) info.start_s = detail::to_seconds(head.first_pts, st->time_base);
  if (!stream_duration) {
    detail::PacketScan tail;
    if (head.complete) {
      tail = head;
      info.n_frames = head.n_packets;
      info.duration_source = "packets";
    } else {
      // Jump to the last keyframe before the declared end and read from there.
      double end_guess = info.start_s + static_cast<double>(fmt->duration) / AV_TIME_BASE;
      auto ts = static_cast<int64_t>(end_guess / av_q2d(st->time_base));
      if (av_seek_frame(fmt.get(), info.video_stream, ts, AVSEEK_FLAG_BACKWARD) >= 0) {
        tail = detail::scan_packets(fmt.get(), info.video_stream, true);
      }
      if (tail.n_packets == 0 && av_seek_frame(fmt.get(), info.video_stream, 0, AVSEEK_FLAG_BACKWARD) >= 0) {
        tail = detail::scan_packets(fmt.get(), info.video_stream, true);
      }
      info.duration_source = "container";
    }
    double end = detail::to_seconds(tail.end_pts, st->time_base);
    if (tail.missing_durations && info.fps > 0) end += 1.0 / info.fps;  // the last frame lasts one interval
    info.duration_s = tail.n_packets > 0 ? std::max(0.0, end - info.start_s) : 0.0;
    if (container_duration) {
      // Whichever way the container counts its duration, the packets should reach it.
      double declared = static_cast<double>(fmt->duration) / AV_TIME_BASE;
      double fmt_start = fmt->start_time != AV_NOPTS_VALUE ? static_cast<double>(fmt->start_time) / AV_TIME_BASE : 0.0;
      double declared_end = std::min(declared, fmt_start + declared);
      double tolerance = std::max(1.0, info.fps > 0 ? 2.0 / info.fps : 0.0);
      info.truncated = end < declared_end - tolerance;
    }
  }
  if (stream_duration && info.duration_s > 0) {
    // A declared duration is a claim (an AVI header may say 0xFFFFFFFF frames, a cut file keeps its index):
    // the packets near the declared end must be there. If the file ends well before, its end is the
    // duration - what windows, frame plans and event times are made from.
    const double declared_end = info.start_s + info.duration_s;
    detail::PacketScan tail;
    if (head.complete) {
      tail = head;
    } else {
      const auto ts = static_cast<int64_t>(std::min(declared_end, 1e15) / av_q2d(st->time_base));
      if (av_seek_frame(fmt.get(), info.video_stream, ts, AVSEEK_FLAG_BACKWARD) >= 0) {
        tail = detail::scan_packets(fmt.get(), info.video_stream, true);
      }
      if (tail.n_packets == 0 && av_seek_frame(fmt.get(), info.video_stream, 0, AVSEEK_FLAG_BACKWARD) >= 0) {
        tail = detail::scan_packets(fmt.get(), info.video_stream, true);
      }
    }
    if (tail.n_packets > 0) {
      double end = detail::to_seconds(tail.end_pts, st->time_base);
      if (tail.missing_durations && info.fps > 0) end += 1.0 / info.fps;
      const double tolerance = std::max(1.0, info.fps > 0 ? 2.0 / info.fps : 0.0);
      if (end < declared_end - tolerance) {
        info.truncated = true;
        info.duration_s = std::max(0.0, end - info.start_s);
        info.duration_source = "packets";
        if (head.complete) info.n_frames = head.n_packets;
      }
    }
  }
  const detail::PacketScan& scan = head;
  if (scan.intervals_s.size() >= 2) {
    auto [lo, hi] = std::minmax_element(scan.intervals_s.begin(), scan.intervals_s.end());
    // Timestamps are rounded to the time base (30 fps in milliseconds: 33 and 34 ms); a real change of
    // rate is larger than that and than 2%.
    double tick = av_q2d(st->time_base);
    info.variable_fps = *hi - *lo > std::max(0.02 * *lo, 2.0 * tick + 1e-9);
  }
  if (info.fps <= 0 && !scan.intervals_s.empty()) {
    std::vector<double> v = scan.intervals_s;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    info.fps = 1.0 / v[v.size() / 2];
  }
  return info;
}

std::string to_json(const VideoInfo& info) {
  nlohmann::json j = {
      {"path", info.path},
      {"container", info.container},
      {"codec", info.codec},
      {"pixel_format", info.pixel_format},
      {"streams", info.n_streams},
      {"video_stream", info.video_stream},
      {"width", info.width},
      {"height", info.height},
      {"coded_width", info.coded_width},
      {"coded_height", info.coded_height},
      {"rotation", info.rotation_cw},
      {"fps", info.fps},
      {"variable_fps", info.variable_fps},
      {"start_s", info.start_s},
      {"duration_s", info.duration_s},
      {"duration_source", info.duration_source},
      {"container_duration_s", info.container_duration_s},
      {"truncated", info.truncated},
      {"frames", info.n_frames},
      {"still_image", info.is_still_image},
  };
  return j.dump();
}

}  // namespace vidscribe::media
