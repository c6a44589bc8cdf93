#include "caption/frame_cache.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <memory>

#include "util/fs.h"
#include "util/log.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::caption {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr char kMagic[8] = {'V', 'S', 'F', 'R', 'A', 'M', 'E', 'S'};
constexpr uint32_t kVersion = 1;
constexpr size_t kDigestBytes = 32;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// The on-disk layout is little-endian; so are the machines we build for.
static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE floats expected");

std::string fixed(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string content_hash(const fs::path& path) {
  util::MappedFile file(path);
  const uint64_t size = file.size();
  util::Sha256 h;
  uint8_t size_le[8];
  for (int i = 0; i < 8; ++i) size_le[i] = static_cast<uint8_t>((size >> (8 * i)) & 0xff);
  h.update(size_le, sizeof size_le);
  if (size <= 3 * kMiB) {
    h.update(file.data(), file.size());
  } else {
    h.update(file.data(), kMiB);
    h.update(file.data() + (size - kMiB) / 2, kMiB);
    h.update(file.data() + size - kMiB, kMiB);
  }
  return "v1:" + h.hex_digest();
}

std::string frame_cache_key(const std::string& content_hash, const FrameEmbeddingOptions& o) {
  const auto& p = o.preprocess;
  std::string text = "vidscribe-frame-cache-v1\ncontent=" + content_hash + "\nmodel=" + o.model_id +
                     "\nfps=" + fixed(o.sampling.fps) + "\nmax_frames=" + std::to_string(o.sampling.max_frames) +
                     "\nresize=" + std::to_string(p.resize_short_side) + "\ncrop=" + std::to_string(p.crop_size) +
                     "\nmean=" + fixed(p.mean[0]) + "," + fixed(p.mean[1]) + "," + fixed(p.mean[2]) +
                     "\nstd=" + fixed(p.std[0]) + "," + fixed(p.std[1]) + "," + fixed(p.std[2]) + "\n";
  return util::sha256_hex(text);
}

fs::path frame_cache_path(const fs::path& cache_dir, const std::string& key) { return cache_dir / (key + ".vsfe"); }

void write_frame_cache(const fs::path& path, const std::string& key, const FrameEmbeddings& e) {
  const size_t t = e.times_s.size();
  if (e.data.size() != t * static_cast<size_t>(e.dim)) {
    throw Error(ErrorCode::kInternal, "frame embeddings: data size does not match frames x dim");
  }
  nlohmann::json header = {{"key", key},
                           {"n_frames", t},
                           {"dim", e.dim},
                           {"duration_s", e.duration_s},
                           {"created_by", "vidscribe"}};
  std::string h = header.dump();
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kVersion);
  put_u32(out, static_cast<uint32_t>(h.size()));
  out += h;
  out.append(reinterpret_cast<const char*>(e.times_s.data()), t * sizeof(double));
  out.append(reinterpret_cast<const char*>(e.data.data()), e.data.size() * sizeof(float));
  util::Sha256 sha;
  sha.update(out);
  auto digest = sha.digest();
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());

  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  util::AtomicFile file(path);
  file.write(out);
  file.commit();
}

std::optional<FrameEmbeddings> read_frame_cache(const fs::path& path, const std::string& key) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::string bytes;
  try {
    bytes = util::read_file(path);
  } catch (const Error& e) {
    util::warn("cannot read cached frame embeddings, recomputing: " + std::string(e.what()));
    return std::nullopt;
  }
  auto corrupt = [&](const std::string& why) -> std::optional<FrameEmbeddings> {
    util::warn("cached frame embeddings " + path.string() + " are damaged (" + why + "), recomputing");
    return std::nullopt;
  };
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < sizeof kMagic + 8 + kDigestBytes) return corrupt("too short");
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0) return corrupt("not a vidscribe frame cache");
  if (get_u32(p + 8) != kVersion) return corrupt("version " + std::to_string(get_u32(p + 8)));
  util::Sha256 sha;
  sha.update(p, bytes.size() - kDigestBytes);
  auto digest = sha.digest();
  if (std::memcmp(digest.data(), p + bytes.size() - kDigestBytes, kDigestBytes) != 0) return corrupt("checksum");

  const size_t header_len = get_u32(p + 12);
  const size_t body = 16 + header_len;
  if (body > bytes.size() - kDigestBytes) return corrupt("header size");
  nlohmann::json header = nlohmann::json::parse(bytes.begin() + 16, bytes.begin() + static_cast<long>(body),
                                                nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return corrupt("header");
  // The checksum says the bytes are what a writer wrote, not that the writer was sane: check every value.
  const auto key_it = header.find("key");
  if (key_it == header.end() || !key_it->is_string() || key_it->get_ref<const std::string&>() != key) {
    return corrupt("written for another key");
  }
  const auto n_it = header.find("n_frames");
  const auto dim_it = header.find("dim");
  const auto duration_it = header.find("duration_s");
  if (n_it == header.end() || !n_it->is_number_integer() || n_it->get<int64_t>() < 0 || dim_it == header.end() ||
      !dim_it->is_number_integer() || dim_it->get<int64_t>() < 1 || duration_it == header.end() ||
      !duration_it->is_number()) {
    return corrupt("header values");
  }
  FrameEmbeddings e;
  const uint64_t n = n_it->get<uint64_t>();
  const uint64_t dim = dim_it->get<uint64_t>();
  e.duration_s = duration_it->get<double>();
  if (!std::isfinite(e.duration_s) || e.duration_s < 0) return corrupt("duration");
  // Overflow-safe: the payload must fit in the file that holds it.
  const uint64_t room = bytes.size() - kDigestBytes - body;
  if (dim > (1u << 20) || n > room / sizeof(double) || (n > 0 && dim > room / n / sizeof(float)) ||
      n * sizeof(double) + n * dim * sizeof(float) != room) {
    return corrupt("sizes");
  }
  const int64_t t = static_cast<int64_t>(n);
  e.dim = static_cast<int64_t>(dim);
  e.times_s.resize(static_cast<size_t>(t));
  e.data.resize(static_cast<size_t>(t * e.dim));
  std::memcpy(e.times_s.data(), p + body, e.times_s.size() * sizeof(double));
  for (size_t i = 0; i < e.times_s.size(); ++i) {
    if (!std::isfinite(e.times_s[i]) || e.times_s[i] < 0 || (i > 0 && e.times_s[i] < e.times_s[i - 1])) {
      return corrupt("frame times");
    }
  }
  std::memcpy(e.data.data(), p + body + e.times_s.size() * sizeof(double), e.data.size() * sizeof(float));
  for (float v : e.data) {
    if (!std::isfinite(v)) return corrupt("embedding values");
  }
  e.from_cache = true;
  return e;
}

FrameEmbeddings embed_video_frames(const fs::path& video, const FrameEmbeddingOptions& options,
                                   const FrameEmbedFn& embed, FrameEmbeddingStats* stats) {
  if (options.batch_size < 1) throw Error(ErrorCode::kInvalidArgument, "batch size must be at least 1");
  FrameEmbeddingStats local;
  FrameEmbeddingStats& st = stats != nullptr ? *stats : local;
  st = FrameEmbeddingStats{};

  fs::path entry;
  if (!options.cache_dir.empty()) {
    st.cache_key = frame_cache_key(content_hash(video), options);
    entry = frame_cache_path(options.cache_dir, st.cache_key);
    if (auto cached = read_frame_cache(entry, st.cache_key)) {
      util::debug("frame embeddings from the cache: " + entry.string());
      st.cache_entry = entry;
      return std::move(*cached);
    }
  }

  FrameEmbeddings out;
  std::vector<media::ImageTensor> batch;
  std::unique_ptr<util::Progress> progress;

  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<float> rows = embed(batch);
    ++st.n_embed_calls;
    const auto b = static_cast<int64_t>(batch.size());
    if (rows.empty() || rows.size() % static_cast<size_t>(b) != 0) {
      throw Error(ErrorCode::kInvalidArgument, "the frame embedder returned " + std::to_string(rows.size()) +
                                                   " values for " + std::to_string(b) + " frames");
    }
    const auto d = static_cast<int64_t>(rows.size()) / b;
    if (out.dim == 0) out.dim = d;
    if (d != out.dim) {
      throw Error(ErrorCode::kInvalidArgument, "the frame embedder changed its dimension from " +
                                                   std::to_string(out.dim) + " to " + std::to_string(d));
    }
    for (int64_t i = 0; i < b; ++i) {
      float* row = rows.data() + i * d;
      double norm = 0;
      for (int64_t j = 0; j < d; ++j) norm += static_cast<double>(row[j]) * row[j];
      norm = std::sqrt(norm);
      const float inv = norm > 0 ? static_cast<float>(1.0 / norm) : 0.0f;
      for (int64_t j = 0; j < d; ++j) row[j] *= inv;
    }
    out.data.insert(out.data.end(), rows.begin(), rows.end());
    if (progress) progress->advance(b);
    batch.clear();
  };

  st.sampling = media::sample_frames(
      video, options.sampling,
      [&](media::Frame&& frame) {
        util::check_abort();
        out.times_s.push_back(frame.time_s);
        batch.push_back(media::preprocess_clip(frame.image, options.preprocess));
        if (static_cast<int>(batch.size()) >= options.batch_size) flush();
      },
      [&](int64_t n) { progress = std::make_unique<util::Progress>("embedding frames", n); });
  flush();
  if (progress) progress->finish();
  out.duration_s = st.sampling.duration_s;
  if (!entry.empty()) {
    // A cache that cannot be written (read-only, full, a file in the way) costs the next run's time, not this one.
    try {
      write_frame_cache(entry, st.cache_key, out);
      st.cache_entry = entry;
    } catch (const std::exception& e) {
      util::warn(std::string("cannot store frame embeddings in the cache, continuing without: ") + e.what());
    }
  }
  return out;
}

}  // namespace vidscribe::caption
