// The optimiser on the real CLIP and GPT-2 code paths, with the tiny random-weight golden models.
#include <gtest/gtest.h>

#include "caption/clip_adapter.h"
#include "caption/gpt2_adapter.h"
#include "caption/zerota.h"
#include "support/support.h"

namespace vidscribe::caption {
namespace {

torch::Tensor npy_tensor(const std::string& name) {
  const auto npy = vidscribe::testing::read_npy(vidscribe::testing::golden_dir() / name);
  std::vector<float> values(npy.values.begin(), npy.values.end());
  return torch::tensor(values).reshape(npy.shape);
}

class AdaptersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_ = new nn::LoadedClip(nn::load_clip(vidscribe::testing::golden_dir() / "tiny-clip", torch::kCPU));
    gpt2_ = new nn::LoadedGpt2(nn::load_gpt2(vidscribe::testing::golden_dir() / "tiny-gpt2", torch::kCPU));
  }
  static void TearDownTestSuite() {
    delete clip_;
    delete gpt2_;
  }
  static nn::LoadedClip* clip_;
  static nn::LoadedGpt2* gpt2_;
};
nn::LoadedClip* AdaptersTest::clip_ = nullptr;
nn::LoadedGpt2* AdaptersTest::gpt2_ = nullptr;

TEST_F(AdaptersTest, ClipTextsMatchGolden) {
  ClipImageText image_text(clip_->model, clip_->tokenizer);
  const auto got = image_text.embed_texts({"a photo of a cat", "a man is playing the guitar on stage."});
  const auto want = npy_tensor("tiny-clip/text_embeds.npy").slice(0, 0, 2);
  EXPECT_TRUE(torch::allclose(got, want / want.norm(2, 1, true), 1e-5, 1e-5));
  const auto frames = image_text.embed_frames(npy_tensor("tiny-clip/pixel_values.npy"));
  const auto images = npy_tensor("tiny-clip/image_embeds.npy");
  EXPECT_TRUE(torch::allclose(frames, images / images.norm(2, 1, true), 1e-5, 1e-5));
}

torch::Tensor full_encoding(nn::LoadedClip& clip, const std::string& text) {
  auto ids = clip.tokenizer.encode_for_model(text);
  ids.resize(77, 0);
  torch::NoGradGuard no_grad;
  auto full = clip.model->encode_text(torch::tensor(ids, torch::kLong).reshape({1, 77}));
  return full[0] / full[0].norm();
}

// method.md section 7: shared prefix + tails must equal full 77-token encodings, whether or not the
// candidate continues the prefix's last word, with every prefix in one batch (prefixes of different
// lengths, an empty one) and each prefix alone.
TEST_F(AdaptersTest, ClipContinuationsEqualFull77TokenEncodings) {
  ClipImageText image_text(clip_->model, clip_->tokenizer);
  const std::vector<std::string> prefixes = {"A video of a man rid", "A video of a dog", "A video of", ""};
  const std::vector<std::vector<std::string>> continuations = {
      {"ing", "es", " a", " horse", ".", ",", " 3", "ING", " caf\xc3\xa9", "'s"},
      {" running", "gy", "s", ".", " &amp;", "  two"},
      {" a", " the"},
      {"A", " cat"},
  };
  const auto batched = image_text.embed_continuations(prefixes, continuations);
  int64_t row = 0;
  for (size_t p = 0; p < prefixes.size(); ++p) {
    SCOPED_TRACE(prefixes[p]);
    const auto alone = image_text.embed_continuations({prefixes[p]}, {continuations[p]});
    ASSERT_EQ(alone.size(0), static_cast<int64_t>(continuations[p].size()));
    for (size_t i = 0; i < continuations[p].size(); ++i, ++row) {
      const auto full = full_encoding(*clip_, prefixes[p] + continuations[p][i]);
      EXPECT_LT((alone[static_cast<int64_t>(i)] - full).abs().max().item<double>(), 1e-5) << continuations[p][i];
      EXPECT_LT((batched[row] - full).abs().max().item<double>(), 1e-5) << continuations[p][i];
    }
  }
  EXPECT_EQ(batched.size(0), row);
}

// The shared-prefix encoding with what GPT-2 candidates look like: more than one batch of them, tails that
// repeat after CLIP's clean-up (" The", " the", " THE"), tails of very different lengths (runs of similar
// length), byte fragments and punctuation: every row equals the full 77-token encoding of its text.
TEST_F(AdaptersTest, ManyGpt2CandidatesEqualFull77TokenEncodings) {
  ClipImageText image_text(clip_->model, clip_->tokenizer);
  std::vector<std::string> continuations = {" The", " the", " THE", "s", " the", " antidisestablishmentarianism",
                                            " x y z w v u t s r q p", "!", "...", " 1999"};
  for (int64_t id = 0; continuations.size() < ClipImageText::kTextBatch + 100; id += 97) {
    continuations.push_back(gpt2_->tokenizer.token_bytes(id % gpt2_->tokenizer.vocab_size()));
  }
  // Two events with different captions so far, both with all the candidates.
  const std::vector<std::string> prefixes = {"A video of a man rid", "A video of two cats on a"};
  const auto got = image_text.embed_continuations(prefixes, {continuations, continuations});
  const auto n = static_cast<int64_t>(continuations.size());
  ASSERT_EQ(got.size(0), 2 * n);
  double worst = 0;
  for (int64_t p = 0; p < 2; ++p) {
    for (int64_t i = 0; i < n; ++i) {
      const auto full = full_encoding(*clip_, prefixes[p] + continuations[i]);
      worst = std::max(worst, (got[p * n + i] - full).abs().max().item<double>());
    }
  }
  EXPECT_LT(worst, 1e-5);
  // Texts that normalise alike share one encoding; others differ.
  EXPECT_TRUE(torch::equal(got[0], got[1]));
  EXPECT_TRUE(torch::equal(got[0], got[2]));
  EXPECT_GT((got[0] - got[3]).abs().max().item<double>(), 1e-3);
}

TEST_F(AdaptersTest, Gpt2LastLogitsAndCacheMatchGolden) {
  Gpt2Lm lm(gpt2_->model, gpt2_->tokenizer);
  const auto ids = npy_tensor("tiny-gpt2/input_ids_1.npy").to(torch::kLong);  // [1, 11]
  const auto want = npy_tensor("tiny-gpt2/logits_1.npy");                      // [1, 11, V]
  torch::NoGradGuard no_grad;
  const auto x = lm.embed(ids);
  EXPECT_TRUE(torch::allclose(lm.last_logits(x, nullptr), want.select(1, -1), 1e-4, 1e-4));
  KvCache cache;
  lm.forward(x.slice(1, 0, 6), &cache);
  const auto rest = lm.last_logits(x.slice(1, 6), &cache);
  EXPECT_TRUE(torch::allclose(rest, want.select(1, -1), 1e-4, 1e-4));
  EXPECT_EQ(lm.token_bytes(lm.encode(" cat")[0]), " cat");
  EXPECT_EQ(lm.period_id(), lm.encode(".")[0]);
}

TEST_F(AdaptersTest, EndToEndOnTinyModelsIsValidAndDeterministic) {
  ClipImageText image_text(clip_->model, clip_->tokenizer);
  Gpt2Lm lm(gpt2_->model, gpt2_->tokenizer);
  const auto pictures = image_text.embed_frames(npy_tensor("tiny-clip/pixel_values.npy"));  // [3, D]
  VideoFrames video;
  video.embeddings = pictures.repeat_interleave(10, 0);  // 3 planted scenes of 10 s
  for (int i = 0; i < 30; ++i) video.times_s.push_back(i + 0.5);
  video.duration_s = 30;
  MethodOptions options;
  options.n_candidates = 64;
  options.max_tokens = 5;
  const auto first = caption_video(video, image_text, lm, options);
  const auto second = caption_video(video, image_text, lm, options);
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].caption, second[i].caption);
    EXPECT_EQ(first[i].start_s, second[i].start_s);
    EXPECT_EQ(first[i].end_s, second[i].end_s);
    EXPECT_GE(first[i].start_s, 0.0);
    EXPECT_LE(first[i].end_s, 30.0);
    EXPECT_LT(first[i].start_s, first[i].end_s);
    EXPECT_FALSE(first[i].caption.empty());
    EXPECT_GE(first[i].score, -1.0);
    EXPECT_LE(first[i].score, 1.0);
    if (i > 0) EXPECT_LE(first[i - 1].start_s, first[i].start_s);
  }
}

}  // namespace
}  // namespace vidscribe::caption
