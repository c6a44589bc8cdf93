// vidscribe embed-video VIDEO --clip DIR: the L2-normalised CLIP embedding of every sampled frame, cached on
// disk per file content, model and sampling (method.md section 1).
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "caption/frame_cache.h"
#include "caption/pipeline.h"
#include "models/cache.h"
#include "cli/command.h"
#include "nn/models/clip.h"
#include "nn/runtime.h"
#include "util/fs.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {
namespace fs = std::filesystem;

struct EmbedVideoOptions {
  std::string video;          // the file to embed
  std::string clip_dir;       // --clip: a CLIP model folder or a known model name
  double fps = 1.0;           // --fps: frames per second of video (default 1)
  int max_frames = 256;       // --max-frames: evenly spread instead when fps x duration exceeds it (default 256)
  int batch_size = 16;        // --batch-size: frames per CLIP call (default 16)
  std::string cache_dir;      // --cache-dir: default $VIDSCRIBE_FRAME_CACHE, else $XDG_CACHE_HOME/vidscribe/frames,
                              // else ~/.cache/vidscribe/frames
  bool no_cache = false;      // --no-cache: neither read nor write the cache
  std::string out;            // --out: write the embeddings [T, D] float32 as .npy (default: none)
  bool json = false;          // --json: print the summary and frame times as JSON
};

// A NumPy 1.0 .npy file of a [rows, cols] float32 array.
void write_npy(const fs::path& path, const std::vector<float>& data, int64_t rows, int64_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  util::write_file_atomic(path, out);
}

void run_embed_video(const EmbedVideoOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path dir = models::resolve_model(o.clip_dir);
  nn::ClipConfig config = nn::ClipConfig::from_json(dir / "config.json");
  nn::ClipPreprocessConfig pre = nn::ClipPreprocessConfig::from_json(dir / "preprocessor_config.json");
  torch::Device device = nn::parse_device(global_options().device);

  caption::FrameSource source;
  source.sampling.fps = o.fps;
  source.sampling.max_frames = o.max_frames;
  source.batch_size = o.batch_size;
  if (!o.no_cache) source.cache_dir = o.cache_dir.empty() ? caption::default_frame_cache_dir() : fs::path(o.cache_dir);
  const caption::FrameEmbeddingOptions options = caption::frame_embedding_options(dir, pre, source);

  // Loaded only if the cache misses.
  std::optional<nn::ClipModel> model;
  caption::FrameEmbedFn embed = [&](const std::vector<media::ImageTensor>& batch) {
    if (!model) model = nn::load_clip_model(dir, config, device);
    torch::NoGradGuard no_grad;
    torch::Tensor emb = (*model)->encode_image(caption::stack_frames(batch).to(device)).to(torch::kCPU).to(torch::kFloat32).contiguous();
    return std::vector<float>(emb.data_ptr<float>(), emb.data_ptr<float>() + emb.numel());  // [B, P]
  };

  caption::FrameEmbeddingStats stats;
  caption::FrameEmbeddings e = caption::embed_video_frames(o.video, options, embed, &stats);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.out.empty()) write_npy(o.out, e.data, e.n_frames(), e.dim);

  const fs::path entry = stats.cache_entry;
  if (o.json) {
    nlohmann::json j = {{"frames", e.n_frames()},   {"dim", e.dim},
                        {"duration_s", e.duration_s}, {"times_s", e.times_s},
                        {"from_cache", e.from_cache}, {"cache_entry", entry.string()},
                        {"seconds", seconds}};
    std::cout << j.dump() << std::endl;
    return;
  }
  std::printf("%lld frames x %lld dims %s in %.2f s (%.1f frames/s)\n", static_cast<long long>(e.n_frames()),
              static_cast<long long>(e.dim), e.from_cache ? "loaded from the cache" : "embedded", seconds,
              seconds > 0 ? static_cast<double>(e.n_frames()) / seconds : 0.0);
  if (!entry.empty()) std::printf("cache entry: %s\n", entry.string().c_str());
}

Runner setup_embed_video(CLI::App& app) {
  auto o = std::make_shared<EmbedVideoOptions>();
  CLI::App* sub = app.add_subcommand("embed-video", "CLIP embeddings of a video's sampled frames, cached on disk");
  sub->add_option("video", o->video, "Video file")->required();
  sub->add_option("--clip", o->clip_dir, "CLIP model folder or name (e.g. clip-vit-b-32)")->required();
  sub->add_option("--fps", o->fps, "Frames per second of video")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--max-frames", o->max_frames, "At most this many frames, evenly spread")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--batch-size", o->batch_size, "Frames per CLIP call")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--cache-dir", o->cache_dir,
                  "Frame-embedding cache (default $VIDSCRIBE_FRAME_CACHE, $XDG_CACHE_HOME/vidscribe/frames or "
                  "~/.cache/vidscribe/frames)");
  sub->add_flag("--no-cache", o->no_cache, "Neither read nor write the cache");
  sub->add_option("--out", o->out, "Write the embeddings [frames, dim] float32 to this .npy file");
  sub->add_flag("--json", o->json, "Print a JSON summary with the frame times");
  return [o] { run_embed_video(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(22, setup_embed_video);

}  // namespace vidscribe::cli
