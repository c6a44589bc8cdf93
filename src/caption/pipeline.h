// From a video file to its captions: frame embeddings (cached), windows for long videos, the optimiser,
// events in absolute seconds. What `vidscribe caption` and `vidscribe embed-video` run.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "caption/clip_adapter.h"
#include "caption/frame_cache.h"
#include "caption/gpt2_adapter.h"
#include "media/sampler.h"
#include "nn/models/clip.h"
#include "vidscribe/captions.h"
#include "vidscribe/options.h"

namespace vidscribe::caption {

// How frames are taken and where their embeddings are cached (method.md section 1).
struct FrameSource {
  media::SamplingOptions sampling;      // fps, max_frames (per window) from VideoOptions
  int batch_size = 16;                  // frames per CLIP call (VideoOptions::frame_batch)
  std::filesystem::path cache_dir;      // frame-embedding cache; empty = none (default)

  // The frame side of `video`, caching in cache_dir.
  static FrameSource from(const VideoOptions& video, const std::filesystem::path& cache_dir);
};

struct PipelineOptions {
  CaptionOptions options;               // video and method (vidscribe/options.h)
  std::filesystem::path cache_dir;      // frame-embedding cache; empty = none (default)
};

// The CLIP side of the frame stage: sampling and preprocessing options from the model's
// preprocessor_config.json, and a cache key that names the weights by content.
FrameEmbeddingOptions frame_embedding_options(const std::filesystem::path& clip_dir,
                                              const nn::ClipPreprocessConfig& preprocess, const FrameSource& source);

// Preprocessed frames, each [3, S, S] float32 -> one [B, 3, S, S] float32 CPU tensor.
torch::Tensor stack_frames(const std::vector<media::ImageTensor>& batch);

// Embeds batches of preprocessed frames with `clip` (unnormalised rows; embed_video_frames normalises).
FrameEmbedFn clip_frame_embedder(ClipImageText& clip);

// The default frame-embedding cache folder: $VIDSCRIBE_FRAME_CACHE, else $XDG_CACHE_HOME/vidscribe/frames,
// else ~/.cache/vidscribe/frames.
std::filesystem::path default_frame_cache_dir();

// A loaded CLIP + GPT-2 pair, reused across videos.
class Captioner {
 public:
  // Loads both model folders onto `device`; an empty lm_dir loads CLIP only (caption calls then throw
  // kInvalidArgument). Throws what nn::load_clip / nn::load_gpt2 throw.
  Captioner(const std::filesystem::path& clip_dir, const std::filesystem::path& lm_dir, torch::Device device);

  // Captions one video. Errors of the media stage (missing file, not a video, ...) propagate unchanged.
  VideoCaptions caption(const std::filesystem::path& video, const PipelineOptions& options);

  // Captions a video given as its frame embeddings, as frame_embeddings returns them (rows L2-normalised,
  // of CLIP's dimension, times increasing); `video` names it in the result.
  VideoCaptions caption_frames(FrameEmbeddings frames, const std::string& video, const PipelineOptions& options);

  // The video's frame embeddings as the optimiser consumes them, sampled with `source` but with at most
  // max_frames per window of `window_s` seconds.
  FrameEmbeddings frame_embeddings(const std::filesystem::path& video, const FrameSource& source,
                                   double window_s = 0);

  // {"clip": {"folder": ..., "sha256": ...}, "lm": {...}}: each model by folder and by the SHA-256 of its
  // weights (as `models verify` computes it; cached beside the file, keyed by its size and time).
  std::string model_json() const;

  ClipImageText& clip() { return *clip_; }
  const std::filesystem::path& clip_dir() const { return clip_dir_; }
  const std::string& clip_sha256() const { return clip_sha256_; }
  const nn::ClipPreprocessConfig& preprocess() const { return preprocess_; }

 private:
  std::filesystem::path clip_dir_, lm_dir_;
  std::string clip_sha256_, lm_sha256_;
  nn::ClipPreprocessConfig preprocess_;
  std::unique_ptr<ClipImageText> clip_;
  std::unique_ptr<Gpt2Lm> lm_;
  torch::Device device_;

  Gpt2Lm& lm();  // throws kInvalidArgument for a CLIP-only captioner
};

// Number of windows for a video: ceil(duration / window_s), at least 1 (window_s <= 0: one window).
int window_count(double duration_s, double window_s);

}  // namespace vidscribe::caption
