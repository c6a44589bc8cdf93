#include "caption/pipeline.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "caption/option_table.h"
#include "caption/zerota.h"
#include "media/probe.h"
#include "nn/models/gpt2.h"
#include "util/file_hash.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::caption {
namespace fs = std::filesystem;

FrameEmbeddingOptions frame_embedding_options(const fs::path& clip_dir, const nn::ClipPreprocessConfig& preprocess,
                                              const FrameSource& source) {
  FrameEmbeddingOptions options;
  options.sampling = source.sampling;
  options.preprocess.resize_short_side = preprocess.shortest_edge;
  options.preprocess.crop_size = preprocess.image_size;
  options.preprocess.mean = preprocess.mean;
  options.preprocess.std = preprocess.std;
  options.batch_size = source.batch_size;
  // The weights themselves identify the model (the same scheme as video content hashes).
  options.model_id = "clip:" + content_hash(clip_dir / "model.safetensors");
  options.cache_dir = source.cache_dir;
  return options;
}

torch::Tensor stack_frames(const std::vector<media::ImageTensor>& batch) {
  const auto b = static_cast<int64_t>(batch.size());
  const int64_t s = b > 0 ? batch[0].height : 0;
  torch::Tensor pixels = torch::empty({b, 3, s, s}, torch::kFloat32);  // [B, 3, S, S]
  for (int64_t i = 0; i < b; ++i) {
    const auto& frame = batch[static_cast<size_t>(i)];
    if (frame.channels != 3 || frame.height != s || frame.width != s) {
      throw Error(ErrorCode::kInternal, "frames of one batch differ in size");
    }
    std::memcpy(pixels[i].data_ptr<float>(), frame.data.data(), frame.data.size() * sizeof(float));
  }
  return pixels;
}

FrameEmbedFn clip_frame_embedder(ClipImageText& clip) {
  return [&clip](const std::vector<media::ImageTensor>& batch) {
    torch::Tensor emb = clip.embed_frames(stack_frames(batch)).to(torch::kCPU).to(torch::kFloat32).contiguous();  // [B, D]
    return std::vector<float>(emb.data_ptr<float>(), emb.data_ptr<float>() + emb.numel());
  };
}

FrameSource FrameSource::from(const VideoOptions& video, const fs::path& cache_dir) {
  FrameSource source;
  source.sampling.fps = video.fps;
  source.sampling.max_frames = video.max_frames;
  source.batch_size = video.frame_batch;
  source.cache_dir = cache_dir;
  return source;
}

fs::path default_frame_cache_dir() {
  if (const char* v = std::getenv("VIDSCRIBE_FRAME_CACHE"); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv("XDG_CACHE_HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / "vidscribe" / "frames";
  }
  if (const char* v = std::getenv("HOME"); v != nullptr && *v != '\0') {
    return fs::path(v) / ".cache" / "vidscribe" / "frames";
  }
  return fs::temp_directory_path() / "vidscribe-frames";
}

int window_count(double duration_s, double window_s) {
  if (window_s <= 0 || !(duration_s > window_s)) return 1;
  return static_cast<int>(std::ceil(duration_s / window_s - 1e-9));
}

Captioner::Captioner(const fs::path& clip_dir, const fs::path& lm_dir, torch::Device device)
    : clip_dir_(clip_dir), lm_dir_(lm_dir), device_(device) {
  nn::LoadedClip clip = nn::load_clip(clip_dir, device);
  preprocess_ = clip.preprocess;
  clip_ = std::make_unique<ClipImageText>(clip.model, clip.tokenizer);
  clip_sha256_ = util::file_sha256(clip_dir / "model.safetensors");
  if (!lm_dir.empty()) {
    nn::LoadedGpt2 lm = nn::load_gpt2(lm_dir, device);
    lm_ = std::make_unique<Gpt2Lm>(lm.model, lm.tokenizer);
    lm_sha256_ = util::file_sha256(lm_dir / "model.safetensors");
  }
}

Gpt2Lm& Captioner::lm() {
  if (lm_ == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "this context loaded CLIP only (language_model = false): it cannot caption");
  }
  return *lm_;
}

std::string Captioner::model_json() const {
  nlohmann::json j = {{"clip", {{"folder", clip_dir_.string()}, {"sha256", clip_sha256_}}}};
  if (lm_ != nullptr) j["lm"] = {{"folder", lm_dir_.string()}, {"sha256", lm_sha256_}};
  return j.dump();
}

FrameEmbeddings Captioner::frame_embeddings(const fs::path& video, const FrameSource& source, double window_s) {
  FrameSource scaled = source;
  if (window_s > 0) {
    // Every window gets the frame budget a video of one window's length would get.
    const int windows = window_count(media::probe(video, {source.sampling.max_pixels}).duration_s, window_s);
    scaled.sampling.max_frames = source.sampling.max_frames * windows;
  }
  return embed_video_frames(video, frame_embedding_options(clip_dir_, preprocess_, scaled),
                            clip_frame_embedder(*clip_));
}

namespace {

// The method's options as captioning runs them: --whole is one fixed mask.
MethodOptions effective_method(const CaptionOptions& options) {
  MethodOptions method = options.method;
  if (options.video.whole) {
    method.fixed_masks = true;
    method.events = 1;
  }
  return method;
}

}  // namespace

VideoCaptions Captioner::caption(const fs::path& video, const PipelineOptions& options) {
  validate(options.options);
  const VideoOptions& v = options.options.video;
  check_fits(lm(), effective_method(options.options));  // before the frames: the model's length limit is known now
  const double window_s = v.whole ? 0.0 : v.window_s;
  FrameEmbeddings frames = frame_embeddings(video, FrameSource::from(v, options.cache_dir), window_s);
  if (frames.n_frames() == 0 || !(frames.duration_s > 0)) {
    throw Error(ErrorCode::kUnsupportedMedia, "no frames with a duration could be read from " + video.string());
  }
  return caption_frames(std::move(frames), video.string(), options);
}

VideoCaptions Captioner::caption_frames(FrameEmbeddings frames, const std::string& video,
                                        const PipelineOptions& options) {
  validate(options.options);
  const VideoOptions& v = options.options.video;
  const MethodOptions method = effective_method(options.options);
  check_fits(lm(), method);
  const double window_s = v.whole ? 0.0 : v.window_s;
  torch::Tensor all = torch::from_blob(frames.data.data(), {frames.n_frames(), frames.dim}, torch::kFloat32)
                          .clone()
                          .to(device_);  // [T, D] L2-normalised

  VideoCaptions out;
  out.video = video;
  out.video_id = fs::path(video).stem().string();
  out.duration_s = frames.duration_s;
  out.model_json = model_json();

  const int windows = window_count(frames.duration_s, window_s);
  const double length = frames.duration_s / windows;
  util::Progress progress("windows", windows > 1 ? windows : 0);
  for (int w = 0; w < windows; ++w) {
    const double begin = w * length;
    const double end = (w + 1 == windows) ? frames.duration_s : (w + 1) * length;
    std::vector<int64_t> rows;
    VideoFrames part;
    for (int64_t t = 0; t < frames.n_frames(); ++t) {
      const double time = frames.times_s[static_cast<size_t>(t)];
      if ((time >= begin && time < end) || (w + 1 == windows && time >= end)) {
        rows.push_back(t);
        part.times_s.push_back(std::min(time, end) - begin);
      }
    }
    if (rows.empty()) continue;
    if (windows > 1) {
      util::debug("window " + std::to_string(w + 1) + "/" + std::to_string(windows) + ": " +
                  util::format_duration(begin) + " - " + util::format_duration(end));
    }
    part.embeddings = all.index_select(0, torch::tensor(rows, torch::kInt64).to(device_));
    part.duration_s = end - begin;
    for (Event e : caption_video(part, *clip_, lm(), method)) {
      if (v.whole) {  // the clip itself, not the soft mask's rounded edges
        e.start_s = 0;
        e.end_s = part.duration_s;
      }
      e.start_s += begin;
      e.end_s += begin;
      out.events.push_back(std::move(e));
    }
    if (windows > 1) progress.update(w + 1);
  }
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const Event& a, const Event& b) { return a.start_s < b.start_s; });
  return out;
}

}  // namespace vidscribe::caption
