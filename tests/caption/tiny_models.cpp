#include "caption/tiny_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace vidscribe::caption::testing {

namespace {
constexpr double kGeneric = 0.5;
constexpr double kEmbeddingStd = 0.02;
constexpr double kGain = 200.0;

torch::Tensor normalise_rows(const torch::Tensor& x) {
  return x / x.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);
}
}  // namespace

torch::Tensor TinyImageText::embed_frames(const torch::Tensor& pixels) {
  torch::NoGradGuard no_grad;
  const auto rgb = pixels.to(torch::kFloat).mean({2, 3});  // [T, 3]
  const auto r = rgb.select(1, 0), g = rgb.select(1, 1), b = rgb.select(1, 2);
  const auto yellow = torch::minimum(r, g);
  auto v = torch::stack({r - yellow, g - yellow, b, yellow, torch::full_like(r, kGeneric)}, 1).clamp_min(0);
  return normalise_rows(v);
}

torch::Tensor TinyImageText::embed_texts(const std::vector<std::string>& texts) {
  torch::NoGradGuard no_grad;
  auto out = torch::zeros({static_cast<int64_t>(texts.size()), 5});
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string lower;
    for (char ch : texts[i]) lower += std::isalpha(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : ' ';
    std::istringstream words(lower);
    std::string word;
    while (words >> word) {
      const auto it = std::find(kColours.begin(), kColours.end(), word);
      if (it != kColours.end()) out[static_cast<int64_t>(i)][it - kColours.begin()] += 1.0;
    }
    out[static_cast<int64_t>(i)][4] = kGeneric;
  }
  texts_embedded += static_cast<int64_t>(texts.size());
  return normalise_rows(out);
}

torch::Tensor colour_frame(const std::string& colour, double noise, uint64_t seed) {
  auto v = torch::zeros({5});
  const auto it = std::find(kColours.begin(), kColours.end(), colour);
  v[it - kColours.begin()] = 1.0;
  v[4] = kGeneric;
  if (noise > 0) {
    auto generator = at::detail::createCPUGenerator(seed);
    v = (v + noise * torch::randn({5}, generator, torch::TensorOptions().dtype(torch::kFloat))).clamp_min(0);
  }
  return normalise_rows(v);
}

torch::Tensor planted_frames(const std::vector<std::pair<std::string, int>>& segments, double noise, uint64_t seed) {
  std::vector<torch::Tensor> frames;
  for (const auto& [colour, n] : segments) {
    for (int i = 0; i < n; ++i) frames.push_back(colour_frame(colour, noise, seed + frames.size()));
  }
  return torch::stack(frames);
}

VideoFrames planted_video(const std::vector<std::pair<std::string, int>>& segments, double noise) {
  VideoFrames video;
  video.embeddings = planted_frames(segments, noise, 11);
  for (int64_t i = 0; i < video.embeddings.size(0); ++i) video.times_s.push_back(static_cast<double>(i));
  video.duration_s = static_cast<double>(video.embeddings.size(0));
  return video;
}

void expect_same_events(const std::vector<Event>& a, const std::vector<Event>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].caption, b[i].caption) << "event " << i;
    EXPECT_EQ(a[i].start_s, b[i].start_s) << "event " << i;
    EXPECT_EQ(a[i].end_s, b[i].end_s) << "event " << i;
    EXPECT_EQ(a[i].score, b[i].score) << "event " << i;
  }
}

std::string lower(const std::string& s) {
  std::string out;
  for (char ch : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

TinyLm::TinyLm(uint64_t seed, int64_t width) : width_(width) {
  vocab_ = {"<|endoftext|>", ".", ",", "A", " a", " the", " red", " green", " blue", " yellow", " video",
            " of", " ball", " car", " and", " is", " small", " big", " bright", " scene", " dog", " moving",
            " on", " with", " light", "ing", "\n", "#", " sky", " box"};
  auto generator = at::detail::createCPUGenerator(seed);
  const auto options = torch::TensorOptions().dtype(torch::kFloat);
  // Small embeddings (GPT-2's are ~0.1 per coordinate) and a large read-out gain: logits spread about
  // one nat between words, and a shift of the input by a few learning-rate steps changes them visibly.
  table_ = kEmbeddingStd * torch::randn({vocab_size(), width_}, generator, options);
  mix_ = torch::randn({width_, width_}, generator, options) / std::sqrt(static_cast<double>(width_));
  bias_ = 0.1 * torch::randn({vocab_size()}, generator, options);
}

int64_t TinyLm::id_of(const std::string& token) const {
  const auto it = std::find(vocab_.begin(), vocab_.end(), token);
  if (it == vocab_.end()) throw std::out_of_range("TinyLm has no token '" + token + "'");
  return it - vocab_.begin();
}

std::vector<int64_t> TinyLm::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t best = -1;
    size_t best_len = 0;
    for (size_t id = 1; id < vocab_.size(); ++id) {
      const auto& t = vocab_[id];
      if (t.size() > best_len && text.compare(pos, t.size(), t) == 0) best = static_cast<int64_t>(id), best_len = t.size();
    }
    if (best < 0) throw std::invalid_argument("TinyLm cannot encode '" + text.substr(pos) + "'");
    ids.push_back(best);
    pos += best_len;
  }
  return ids;
}

torch::Tensor TinyLm::embed(const torch::Tensor& ids) { return table_.index({ids}); }

torch::Tensor TinyLm::forward(const torch::Tensor& inputs_embeds, KvCache* cache) {
  // Causal running mean of the inputs: h_t = (sum_{s<=t} x_s + cached sum) / (t + 1 + cached count).
  const int64_t b = inputs_embeds.size(0), t = inputs_embeds.size(1);
  auto sums = inputs_embeds.cumsum(1);                                             // [B, T, C]
  auto counts = torch::arange(1, t + 1, inputs_embeds.options()).view({1, t, 1});  // [1, T, 1]
  if (cache != nullptr && !cache->keys.empty()) {
    sums = sums + cache->keys[0].unsqueeze(1);
    counts = counts + cache->values[0].unsqueeze(1);
  }
  if (cache != nullptr) {
    cache->keys = {sums.select(1, t - 1).detach()};
    cache->values = {counts.expand({b, t, 1}).select(1, t - 1).detach()};
  }
  // A random mixing matrix: no token predicts itself (tied embeddings alone would).
  const auto h = (sums / counts).matmul(mix_);  // [B, T, C]
  return kGain * h.matmul(table_.t()) + bias_;    // [B, T, V]
}

}  // namespace vidscribe::caption::testing
