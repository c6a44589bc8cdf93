// Frame embeddings of a video (method.md section 1): sample, preprocess, embed in batches, L2-normalise,
// and cache on disk per file content, model and sampling so that re-runs start at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "media/image.h"
#include "media/preprocess.h"
#include "media/sampler.h"

namespace vidscribe::caption {

// Embeds a batch of preprocessed frames: B images, each [3, S, S] float32 -> [B, D] float32 row-major,
// any scale (they are L2-normalised afterwards). D must be the same on every call.
using FrameEmbedFn = std::function<std::vector<float>(const std::vector<media::ImageTensor>& batch)>;

struct FrameEmbeddingOptions {
  media::SamplingOptions sampling;          // which frames (default 1 fps, at most 256)
  media::ClipPreprocessOptions preprocess;  // from the model's preprocessor_config.json
  std::string model_id;                     // names the model in the cache key (e.g. repository@revision)
  int batch_size = 16;                      // frames per embedding call (default 16)
  std::filesystem::path cache_dir;          // where entries live; empty = no caching (default)
};

struct FrameEmbeddings {
  std::vector<double> times_s;  // [T] true frame times, seconds from the video's start
  int64_t dim = 0;              // D
  std::vector<float> data;      // [T, D] float32, every row L2-normalised
  double duration_s = 0;        // of the video
  bool from_cache = false;      // loaded rather than computed

  int64_t n_frames() const { return static_cast<int64_t>(times_s.size()); }
};

// Content hash of a file, "v1:" + 64 hex digits: SHA-256 of the file size (8 bytes, little-endian) followed
// by the whole file when it is at most 3 MiB, else its first, middle (starting at (size - 1 MiB) / 2) and
// last MiB. Reading 3 MiB keeps this instant for hour-long videos; an edit that keeps the size and touches
// none of those bytes goes unnoticed (documented in docs/media.md). Throws kNotFound / kIo.
std::string content_hash(const std::filesystem::path& path);

// The cache key (64 hex digits) for a content hash and the options that change the result: model id,
// fps, max frames, preprocessing (sizes, mean, std). Threads and batch size do not.
std::string frame_cache_key(const std::string& content_hash, const FrameEmbeddingOptions& options);

// <cache_dir>/<key>.vsfe
std::filesystem::path frame_cache_path(const std::filesystem::path& cache_dir, const std::string& key);

// Writes an entry atomically (a temporary file renamed into place: never a half-written entry).
void write_frame_cache(const std::filesystem::path& path, const std::string& key, const FrameEmbeddings& e);

// Reads an entry; std::nullopt when absent. A damaged or foreign entry (bad magic, version, key, sizes or
// checksum) also gives std::nullopt after one warning, so the caller recomputes and overwrites it.
std::optional<FrameEmbeddings> read_frame_cache(const std::filesystem::path& path, const std::string& key);

// What embed_video_frames did, for logs and tests.
struct FrameEmbeddingStats {
  media::SampleStats sampling;  // zero when loaded from the cache
  int64_t n_embed_calls = 0;
  std::string cache_key;
  std::filesystem::path cache_entry;  // the entry read or written; empty when the cache was off or not writable
};

// Samples `video`, preprocesses each frame, embeds them `batch_size` at a time and normalises the rows;
// with a cache_dir, first looks for the entry and afterwards stores it. Reports progress ("embedding
// frames") and polls the abort callback at every frame (util/log.h). Throws what media::sample_frames throws,
// kInvalidArgument if `embed` returns a wrong size, kCancelled. A cache that cannot be written costs a warning.
FrameEmbeddings embed_video_frames(const std::filesystem::path& video, const FrameEmbeddingOptions& options,
                                   const FrameEmbedFn& embed, FrameEmbeddingStats* stats = nullptr);

}  // namespace vidscribe::caption
