#include "media/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "media/ffmpeg.h"
#include "media/probe_internal.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::media {
namespace fs = std::filesystem;
using detail::FramePtr;

std::vector<double> plan_sample_times(double duration_s, const SamplingOptions& options) {
  if (!options.times.empty()) {
    const double end = duration_s > 0 && std::isfinite(duration_s) ? duration_s : 0.0;
    std::vector<double> times;
    for (size_t i = 0; i < options.times.size(); ++i) {
      const double t = options.times[i];
      if (!std::isfinite(t) || (i > 0 && !(t > options.times[i - 1]))) {
        throw Error(ErrorCode::kInvalidArgument, "sample times must be finite and increasing");
      }
      times.push_back(std::clamp(t, 0.0, end));
    }
    return times;
  }
  if (!(options.fps > 0) || !std::isfinite(options.fps)) {
    throw Error(ErrorCode::kInvalidArgument, "fps must be a positive number, got " + std::to_string(options.fps));
  }
  if (options.max_frames < 1) {
    throw Error(ErrorCode::kInvalidArgument, "max-frames must be at least 1, got " + std::to_string(options.max_frames));
  }
  std::vector<double> times;
  if (!(duration_s > 0) || !std::isfinite(duration_s)) return {0.0};
  // k / fps < duration; the small slack keeps 6.0 s at 1 fps at six frames despite rounding.
  auto n_fps = static_cast<int64_t>(std::ceil(duration_s * options.fps - 1e-9));
  n_fps = std::max<int64_t>(n_fps, 1);
  if (n_fps <= options.max_frames) {
    for (int64_t k = 0; k < n_fps; ++k) times.push_back(static_cast<double>(k) / options.fps);
  } else {
    for (int64_t k = 0; k < options.max_frames; ++k) times.push_back(duration_s * static_cast<double>(k) / options.max_frames);
  }
  return times;
}

namespace {

// Seek past a stretch only when it saves decoding at least this many frames: a seek flushes the decoder
// and refills its frame-thread pipeline, which costs a few frames' work.
constexpr double kMinSkippedFrames = 12;
// Without a keyframe index, seeking means a search through the file; do it only for long gaps.
constexpr double kBlindSeekGapS = 30;

class Sampler {
 public:
  Sampler(const Source& source, const SamplingOptions& options, const FrameCallback& on_frame)
      : source_(source), path_(source.path()), options_(options), on_frame_(on_frame) {}

  SampleStats run(const std::function<void(int64_t)>& on_planned) {
    info_ = probe(source_, ProbeOptions{options_.max_pixels});
    times_ = plan_sample_times(info_.duration_s, options_);
    stats_.duration_s = info_.duration_s;
    stats_.n_wanted = static_cast<int64_t>(times_.size());
    if (on_planned) on_planned(stats_.n_wanted);

    fmt_ = detail::open_input(source_);
    stream_ = fmt_->streams[info_.video_stream];
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
      if (static_cast<int>(i) != info_.video_stream) fmt_->streams[i]->discard = AVDISCARD_ALL;
    }
    tb_ = stream_->time_base;
    frame_interval_s_ = info_.fps > 0 ? 1.0 / info_.fps : 0.04;
    has_index_ = avformat_index_get_entries_count(stream_) > 1;
    demux_s_ = info_.start_s;
    dec_ = detail::open_decoder(stream_, options_.threads);
    skip_unneeded_ = !info_.variable_fps && info_.fps > 0 && !info_.is_still_image;
    prev_ = detail::make_frame();

    decode_all();
    finish();
    return stats_;
  }

 private:
  void decode_all() {
    detail::PacketPtr pkt = detail::make_packet();
    FramePtr frame = detail::make_frame();
    int64_t seek_checked = -1;
    while (next_ < times_.size()) {
      if (seek_checked != static_cast<int64_t>(next_)) {
        seek_checked = static_cast<int64_t>(next_);
        maybe_seek();
      }
      int err = av_read_frame(fmt_.get(), pkt.get());
      if (err == AVERROR(EAGAIN)) continue;
      if (err < 0) {
        if (err != AVERROR_EOF || (fmt_->pb != nullptr && fmt_->pb->error < 0)) read_error_ = true;
        break;
      }
      if (pkt->stream_index != info_.video_stream) {
        av_packet_unref(pkt.get());
        continue;
      }
      int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
      if (ts != AV_NOPTS_VALUE) demux_s_ = detail::to_seconds(ts, tb_);
      if (skip_unneeded_) dec_->skip_frame = packet_needed(*pkt) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
      err = avcodec_send_packet(dec_.get(), pkt.get());
      av_packet_unref(pkt.get());
      if (err < 0 && err != AVERROR(EAGAIN)) ++stats_.n_bad_packets;
      drain(frame.get());
    }
    if (next_ < times_.size()) {
      // End of file: the decoder still holds its delayed pictures.
      avcodec_send_packet(dec_.get(), nullptr);
      drain(frame.get());
    }
  }

  // Whether the picture in `pkt` can be the nearest to a wanted time. At a constant frame rate the nearest
  // frame and its neighbours lie within 1.5 frame intervals of it; pictures farther away that no other picture
  // refers to (most B-frames) need not be decoded at all.
  bool packet_needed(const AVPacket& pkt) const {
    if (pkt.pts == AV_NOPTS_VALUE) return true;
    const double t = detail::to_seconds(pkt.pts, tb_) - info_.start_s;
    const double margin = 1.5 * frame_interval_s_;
    auto it = std::lower_bound(times_.begin(), times_.end(), t - margin);
    return it != times_.end() && *it <= t + margin;
  }

  void drain(AVFrame* frame) {
    for (;;) {
      int err = avcodec_receive_frame(dec_.get(), frame);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err < 0) {
        ++stats_.n_bad_packets;
        return;
      }
      handle_frame(frame);
      av_frame_unref(frame);
    }
  }

  // Chooses frames in presentation order: wanted time w takes whichever of the frames on both sides of w
  // is nearer (the earlier one on a tie).
  void handle_frame(AVFrame* frame) {
    ++stats_.n_decoded;
    double t;
    if (frame->best_effort_timestamp != AV_NOPTS_VALUE) {
      t = detail::to_seconds(frame->best_effort_timestamp, tb_) - info_.start_s;
    } else {
      t = have_prev_ ? prev_t_ + frame_interval_s_ : 0.0;
    }
    if (have_prev_ && t <= prev_t_) return;  // out-of-order or repeated timestamp: keep the first
    constexpr double kEps = 1e-6;
    while (next_ < times_.size() && t >= times_[next_] - kEps) {
      double want = times_[next_];
      if (have_prev_ && want - prev_t_ <= t - want) {
        emit(prev_.get(), prev_t_);
      } else {
        emit(frame, t);
      }
      ++next_;
    }
    av_frame_unref(prev_.get());
    av_frame_ref(prev_.get(), frame);
    prev_t_ = t;
    have_prev_ = true;
  }

  void emit(const AVFrame* frame, double t) {
    if (t <= last_emitted_t_) return;  // the same picture is nearest to two wanted times
    last_emitted_t_ = t;
    Frame out;
    out.time_s = t;
    out.index = stats_.n_frames;
    converter_.convert(frame, out.image.pixels);
    out.image.width = frame->width;
    out.image.height = frame->height;
    if (info_.rotation_cw != 0) out.image = rotate(out.image, info_.rotation_cw);
    ++stats_.n_frames;
    on_frame_(std::move(out));
  }

  // Jumps to the last keyframe at or before the next wanted time when that skips enough frames.
  void maybe_seek() {
    double want_abs = times_[next_] + info_.start_s;
    double min_gap = kMinSkippedFrames * frame_interval_s_;
    // The seek asks for the wanted time itself, backwards: the demuxer then lands on the last keyframe at or
    // before it by its own clock. Asking for the keyframe's index timestamp instead lands a whole keyframe
    // interval earlier where the index holds decode times that the demuxer shifts (MP4 with B-frames and an
    // edit list), and everything up to the wanted time was decoded twice.
    const auto seek_ts = static_cast<int64_t>(std::floor(want_abs / av_q2d(tb_)));
    int64_t landing_ts = AV_NOPTS_VALUE;
    if (has_index_) {
      const AVIndexEntry* e = avformat_index_get_entry_from_timestamp(stream_, seek_ts, AVSEEK_FLAG_BACKWARD);
      if (e != nullptr && (e->flags & AVINDEX_KEYFRAME) && detail::to_seconds(e->timestamp, tb_) > demux_s_ + min_gap) {
        landing_ts = e->timestamp;
      }
    } else if (want_abs - demux_s_ > std::max(kBlindSeekGapS, min_gap) && !blind_seek_failed_) {
      landing_ts = seek_ts;
    }
    if (landing_ts == AV_NOPTS_VALUE) return;
    if (av_seek_frame(fmt_.get(), info_.video_stream, seek_ts, AVSEEK_FLAG_BACKWARD) < 0) {
      // Not seekable after all: decode straight through from here.
      has_index_ = false;
      blind_seek_failed_ = true;
      return;
    }
    avcodec_flush_buffers(dec_.get());
    av_frame_unref(prev_.get());
    have_prev_ = false;
    demux_s_ = detail::to_seconds(landing_ts, tb_);
    ++stats_.n_seeks;
  }

  void finish() {
    // Wanted times after the last decoded frame: that frame serves them if it is close enough; otherwise the
    // file ended before its declared duration.
    double tolerance = std::max(2.0 * frame_interval_s_, 0.5);
    bool short_of_end = false;
    for (; next_ < times_.size(); ++next_) {
      if (have_prev_ && times_[next_] - prev_t_ <= tolerance) {
        emit(prev_.get(), prev_t_);
      } else {
        short_of_end = true;
      }
    }
    if (stats_.n_frames == 0) {
      throw Error(ErrorCode::kUnsupportedMedia, "no video frame could be decoded from " + path_.string());
    }
    stats_.truncated = read_error_ || short_of_end || info_.truncated;
    if (stats_.truncated) {
      double declared = std::max(info_.duration_s, info_.truncated ? info_.container_duration_s : 0.0);
      char buf[160];
      std::snprintf(buf, sizeof buf, ": kept %lld frames up to %.2f s of %.2f s",
                    static_cast<long long>(stats_.n_frames), last_emitted_t_, declared);
      util::warn(path_.string() + " ends early (truncated or damaged)" + buf);
    } else if (stats_.n_bad_packets > 0) {
      util::warn(path_.string() + ": skipped " + std::to_string(stats_.n_bad_packets) + " damaged packets");
    }
  }

  const Source& source_;
  fs::path path_;  // or the name of bytes in memory, for messages
  SamplingOptions options_;
  const FrameCallback& on_frame_;
  VideoInfo info_;
  std::vector<double> times_;
  size_t next_ = 0;
  SampleStats stats_;

  detail::FormatPtr fmt_;
  detail::CodecPtr dec_;
  AVStream* stream_ = nullptr;
  AVRational tb_{1, 1};
  double frame_interval_s_ = 0.04;
  bool has_index_ = false;
  bool skip_unneeded_ = false;  // drop unreferenced pictures far from every wanted time (constant rate only)
  bool blind_seek_failed_ = false;
  bool read_error_ = false;
  double demux_s_ = 0;  // time of the last packet read (container clock)

  FramePtr prev_;  // the last decoded frame, kept until we know whether it is the nearest to a wanted time
  bool have_prev_ = false;
  double prev_t_ = 0;
  double last_emitted_t_ = -std::numeric_limits<double>::infinity();
  detail::RgbConverter converter_;
};

}  // namespace

SampleStats sample_frames(const Source& source, const SamplingOptions& options, const FrameCallback& on_frame,
                          const std::function<void(int64_t)>& on_planned) {
  Sampler sampler(source, options, on_frame);
  return sampler.run(on_planned);
}

std::vector<Frame> sample_frames(const Source& source, const SamplingOptions& options, SampleStats* stats) {
  std::vector<Frame> frames;
  SampleStats s = sample_frames(source, options, [&](Frame&& f) { frames.push_back(std::move(f)); });
  if (stats != nullptr) *stats = s;
  return frames;
}

}  // namespace vidscribe::media
