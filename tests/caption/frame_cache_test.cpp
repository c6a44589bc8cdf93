#include "caption/frame_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "media/media_fixtures.h"
#include "media/preprocess.h"
#include "nn/models/clip.h"
#include "support/support.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;
using caption::FrameEmbeddingOptions;
using caption::FrameEmbeddings;

// A stand-in for CLIP: the mean of each channel plus a constant, counting its calls.
struct CountingEmbedder {
  int calls = 0;
  int frames = 0;
  caption::FrameEmbedFn fn() {
    return [this](const std::vector<media::ImageTensor>& batch) {
      ++calls;
      frames += static_cast<int>(batch.size());
      std::vector<float> out;
      for (const auto& t : batch) {
        const size_t plane = static_cast<size_t>(t.height * t.width);
        for (int c = 0; c < 3; ++c) {
          double sum = 0;
          for (size_t i = 0; i < plane; ++i) sum += t.data[c * plane + i];
          out.push_back(static_cast<float>(sum / plane) + 3.0f);  // positive for every colour
        }
        out.push_back(1.0f);
      }
      return out;
    };
  }
};

FrameEmbeddingOptions options_in(const fs::path& cache) {
  FrameEmbeddingOptions o;
  o.model_id = "fake-clip";
  o.batch_size = 4;
  o.cache_dir = cache;
  o.preprocess.resize_short_side = 32;
  o.preprocess.crop_size = 32;
  return o;
}

TEST(FrameCache, EmbedsEveryFrameInBatchesAndNormalises) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  CountingEmbedder fake;
  caption::FrameEmbeddingStats stats;
  FrameEmbeddings e = caption::embed_video_frames(video, options_in(dir / "cache"), fake.fn(), &stats);
  EXPECT_FALSE(e.from_cache);
  EXPECT_EQ(fake.calls, 2);  // 6 frames in batches of 4
  EXPECT_EQ(fake.frames, 6);
  ASSERT_EQ(e.n_frames(), 6);
  EXPECT_EQ(e.dim, 4);
  EXPECT_NEAR(e.duration_s, 6.0, 0.05);
  for (int t = 0; t < 6; ++t) {
    EXPECT_NEAR(e.times_s[t], t, 1e-3);
    double norm = 0;
    for (int j = 0; j < 4; ++j) norm += e.data[t * 4 + j] * e.data[t * 4 + j];
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  // Frame 0 is red and frame 2 blue: their first and third components say so.
  EXPECT_GT(e.data[0 * 4 + 0], e.data[0 * 4 + 2]);
  EXPECT_LT(e.data[2 * 4 + 0], e.data[2 * 4 + 2]);
}

TEST(FrameCache, SecondRunLoadsInsteadOfRecomputing) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  CountingEmbedder fake;
  FrameEmbeddings first = caption::embed_video_frames(video, options_in(dir / "cache"), fake.fn());
  FrameEmbeddings second = caption::embed_video_frames(video, options_in(dir / "cache"), fake.fn());
  EXPECT_EQ(fake.calls, 2);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.times_s, first.times_s);
  EXPECT_EQ(second.data, first.data);
  EXPECT_EQ(second.dim, first.dim);
  EXPECT_DOUBLE_EQ(second.duration_s, first.duration_s);
  // Only the published entry is in the folder: no temporary files left behind.
  int n = 0;
  for (const auto& f : fs::directory_iterator(dir / "cache")) {
    EXPECT_EQ(f.path().extension(), ".vsfe") << f.path();
    ++n;
  }
  EXPECT_EQ(n, 1);
}

TEST(FrameCache, OtherSamplingOrModelIsAnotherEntry) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  CountingEmbedder fake;
  auto o = options_in(dir / "cache");
  caption::embed_video_frames(video, o, fake.fn());
  o.sampling.fps = 2;
  FrameEmbeddings e = caption::embed_video_frames(video, o, fake.fn());
  EXPECT_FALSE(e.from_cache);
  EXPECT_EQ(e.n_frames(), 12);
  o.model_id = "another-clip";
  EXPECT_FALSE(caption::embed_video_frames(video, o, fake.fn()).from_cache);
  o.sampling.threads = 1;  // does not change the result, so not the key
  o.batch_size = 5;
  EXPECT_TRUE(caption::embed_video_frames(video, o, fake.fn()).from_cache);
}

TEST(FrameCache, CorruptEntryIsDetectedAndRecomputed) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  CountingEmbedder fake;
  auto o = options_in(dir / "cache");
  caption::FrameEmbeddingStats stats;
  caption::embed_video_frames(video, o, fake.fn(), &stats);
  fs::path entry = caption::frame_cache_path(o.cache_dir, stats.cache_key);
  ASSERT_TRUE(fs::exists(entry));
  std::string bytes = slurp(entry);
  // One flipped bit in an embedding value.
  bytes[bytes.size() - 40] ^= 0x10;
  {
    std::ofstream out(entry, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  EXPECT_FALSE(caption::read_frame_cache(entry, stats.cache_key).has_value());
  FrameEmbeddings again = caption::embed_video_frames(video, o, fake.fn());
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(fake.calls, 4);
  // Rewritten whole: the next run loads it.
  EXPECT_TRUE(caption::embed_video_frames(video, o, fake.fn()).from_cache);
  // A cut-short entry is refused as well.
  bytes = slurp(entry);
  {
    std::ofstream out(entry, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  EXPECT_FALSE(caption::read_frame_cache(entry, stats.cache_key).has_value());
}

// Two frames of 3-d embeddings over 2 s.
FrameEmbeddings two_frames() {
  FrameEmbeddings e;
  e.times_s = {0.0, 1.5};
  e.dim = 3;
  e.data = {1, 0, 0, 0, 0.6f, 0.8f};
  e.duration_s = 2.0;
  return e;
}

TEST(FrameCache, EntryRoundTripAndKeyCheck) {
  TempDir dir;
  const FrameEmbeddings e = two_frames();
  fs::path p = dir / "x.vsfe";
  caption::write_frame_cache(p, "k1", e);
  auto back = caption::read_frame_cache(p, "k1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->times_s, e.times_s);
  EXPECT_EQ(back->data, e.data);
  EXPECT_EQ(back->dim, 3);
  EXPECT_FALSE(caption::read_frame_cache(p, "k2").has_value());
  EXPECT_FALSE(caption::read_frame_cache(dir / "absent.vsfe", "k1").has_value());
}

// An entry whose checksum is right but whose header or payload a hostile or buggy writer chose: every value
// is checked after the checksum (sizes overflow-safe), and such an entry is recomputed, never used.
TEST(FrameCache, EntryWithValidChecksumButHostileValuesIsRefused) {
  TempDir dir;
  const FrameEmbeddings e = two_frames();
  const fs::path p = dir / "x.vsfe";
  caption::write_frame_cache(p, "k", e);
  const std::string good = slurp(p);
  const uint32_t header_len = static_cast<uint8_t>(good[12]) | static_cast<uint8_t>(good[13]) << 8 |
                              static_cast<uint8_t>(good[14]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(good[15])) << 24;
  const auto header = nlohmann::json::parse(good.substr(16, header_len));
  const std::string payload = good.substr(16 + header_len, good.size() - 32 - 16 - header_len);
  // The entry with another header and payload, and the right checksum.
  auto entry_with = [&](const nlohmann::json& h, const std::string& body) {
    const std::string text = h.dump();
    std::string bytes = good.substr(0, 12);
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((text.size() >> (8 * i)) & 0xff);
    bytes += text + body;
    util::Sha256 sha;
    sha.update(bytes);
    const auto digest = sha.digest();
    bytes.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    util::write_file_atomic(p, bytes);
    return caption::read_frame_cache(p, "k");
  };
  ASSERT_TRUE(entry_with(header, payload).has_value());  // the helper makes valid entries
  auto with = [&](const char* key, const nlohmann::json& value) {
    auto h = header;
    h[key] = value;
    return h;
  };
  EXPECT_FALSE(entry_with(with("n_frames", uint64_t{1} << 61), payload).has_value());
  EXPECT_FALSE(entry_with(with("n_frames", "2"), payload).has_value());
  EXPECT_FALSE(entry_with(with("n_frames", -2), payload).has_value());
  EXPECT_FALSE(entry_with(with("n_frames", 3), payload).has_value());
  EXPECT_FALSE(entry_with(with("dim", uint64_t{1} << 62), payload).has_value());
  EXPECT_FALSE(entry_with(with("dim", 0), payload).has_value());
  EXPECT_FALSE(entry_with(with("dim", 2.5), payload).has_value());
  EXPECT_FALSE(entry_with(with("duration_s", -1.0), payload).has_value());
  EXPECT_FALSE(entry_with(with("duration_s", "long"), payload).has_value());
  EXPECT_FALSE(entry_with(with("key", 7), payload).has_value());
  auto h = header;
  h.erase("dim");
  EXPECT_FALSE(entry_with(h, payload).has_value());
  EXPECT_FALSE(entry_with(nlohmann::json::array(), payload).has_value());
  // Frame times that are NaN or decreasing, and embedding values that are not finite.
  auto with_double = [&](size_t at, double v) {
    std::string b = payload;
    std::memcpy(b.data() + at, &v, sizeof v);
    return b;
  };
  EXPECT_FALSE(entry_with(header, with_double(8, std::nan(""))).has_value());
  EXPECT_FALSE(entry_with(header, with_double(0, 5.0)).has_value());
  EXPECT_FALSE(entry_with(header, with_double(0, -1.0)).has_value());
  std::string inf_value = payload;
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(inf_value.data() + 16, &inf, sizeof inf);
  EXPECT_FALSE(entry_with(header, inf_value).has_value());
}

// A cache folder that cannot be written costs a warning, not the run.
TEST(FrameCache, UnwritableCacheIsAWarningNotAFailure) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  util::write_file_atomic(dir / "a-file", "x");
  CountingEmbedder fake;
  caption::FrameEmbeddingStats stats;
  FrameEmbeddings e = caption::embed_video_frames(video, options_in(dir / "a-file" / "cache"), fake.fn(), &stats);
  EXPECT_EQ(e.n_frames(), 6);
  EXPECT_TRUE(stats.cache_entry.empty());
}

TEST(FrameCache, ContentHashSeesSampledRegionsAndIgnoresTheName) {
  TempDir dir;
  std::string big(5 << 20, 'a');
  auto write = [](const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary);
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
  };
  write(dir / "a.bin", big);
  write(dir / "b.bin", big);
  EXPECT_EQ(caption::content_hash(dir / "a.bin"), caption::content_hash(dir / "b.bin"));
  std::string middle = big;
  middle[middle.size() / 2] = 'b';
  write(dir / "c.bin", middle);
  EXPECT_NE(caption::content_hash(dir / "a.bin"), caption::content_hash(dir / "c.bin"));
  std::string longer = big + "a";
  write(dir / "d.bin", longer);
  EXPECT_NE(caption::content_hash(dir / "a.bin"), caption::content_hash(dir / "d.bin"));
  write(dir / "small.bin", "hello");
  write(dir / "small2.bin", "hellp");
  EXPECT_NE(caption::content_hash(dir / "small.bin"), caption::content_hash(dir / "small2.bin"));
  EXPECT_THROW(caption::content_hash(dir / "missing.bin"), Error);
}

TEST(FrameCache, WrongEmbedderOutputIsAnError) {
  TempDir dir;
  auto video = make_segments(dir, "v.mkv", "-c:v libx264");
  auto o = options_in(fs::path());
  caption::FrameEmbedFn bad = [](const std::vector<media::ImageTensor>& batch) {
    return std::vector<float>(batch.size() * 4 + 1, 1.0f);
  };
  EXPECT_THROW(caption::embed_video_frames(video, o, bad), Error);
}

// Our decoding + preprocessing + the tiny CLIP against OpenAI's preprocessing + CLIP (golden/e2e): the
// embeddings must point the same way.
TEST(FrameCache, OurPreprocessingGivesTheReferenceClipEmbeddings) {
  fs::path clip_dir = golden_dir() / "tiny-clip";
  fs::path e2e = golden_dir() / "e2e";
  if (!fs::exists(clip_dir) || !fs::exists(e2e)) GTEST_SKIP() << "no golden data";
  auto config = nn::ClipConfig::from_json(clip_dir / "config.json");
  auto pre = nn::ClipPreprocessConfig::from_json(clip_dir / "preprocessor_config.json");
  nn::ClipModel model = nn::load_clip_model(clip_dir, config, torch::kCPU);
  media::ClipPreprocessOptions o;
  o.resize_short_side = pre.shortest_edge;
  o.crop_size = pre.image_size;
  o.mean = pre.mean;
  o.std = pre.std;
  auto expected = nlohmann::json::parse(slurp(e2e / "expected.json"))["images"];
  ASSERT_FALSE(expected.empty());
  for (auto& [name, want] : expected.items()) {
    media::ImageTensor t = media::preprocess_clip(media::read_image(e2e / name), o);
    torch::NoGradGuard no_grad;
    torch::Tensor pixels = torch::from_blob(t.data.data(), {1, 3, t.height, t.width}, torch::kFloat32).clone();
    torch::Tensor ours = model->encode_image(pixels)[0];
    std::vector<float> ref_values = want.get<std::vector<float>>();
    torch::Tensor ref = torch::from_blob(ref_values.data(), {static_cast<int64_t>(ref_values.size())}, torch::kFloat32);
    double cos = torch::cosine_similarity(ours, ref, 0).item<double>();
    std::cout << name << ": cosine with the reference CLIP embedding " << cos << std::endl;
    RecordProperty("cosine_" + name, std::to_string(cos));
    EXPECT_GT(cos, 0.999) << name;
  }
}

}  // namespace
}  // namespace vidscribe::testing
