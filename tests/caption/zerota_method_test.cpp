// The places where the optimiser must follow method.md (and where it documents its own choices): the
// prefix's size, finished events, rounds, W, the score, the candidate batch, the posterior choice, the
// automatic event count, determinism across thread counts.
// Planted videos are at 1 frame per second unless they say otherwise.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "caption/gpt2_adapter.h"
#include "caption/tiny_models.h"
#include "caption/zerota.h"
#include "nn/models/gpt2.h"
#include "support/support.h"

namespace vidscribe::caption {
namespace {

using testing::TinyImageText;
using testing::TinyLm;

using testing::lower;
using testing::planted_video;

// An image-text model of a large joint space (D = 768, as CLIP ViT-L/14) with no knowledge at all: frames
// are what the test gives, texts get seeded random unit vectors. For the size of what W learns.
class WideRandomImageText : public ImageTextModel {
 public:
  int64_t dim() const override { return 768; }
  double temperature() const override { return 0.01; }
  torch::Tensor embed_frames(const torch::Tensor& pixels) override { return pixels; }
  torch::Tensor embed_texts(const std::vector<std::string>& texts) override {
    std::vector<torch::Tensor> rows;
    for (const auto& t : texts) {
      auto generator = at::detail::createCPUGenerator(std::hash<std::string>{}(t));
      auto v = torch::randn({768}, generator, torch::TensorOptions().dtype(torch::kFloat));
      rows.push_back(v / v.norm());
    }
    return torch::stack(rows);
  }
};

nn::LoadedGpt2& world_gpt2() {
  static nn::LoadedGpt2 lm = nn::load_gpt2(vidscribe::testing::shared_dir() / "world" / "models" / "world-gpt2",
                                           torch::kCPU);
  return lm;
}

// The soft prompts and W z_k stay of the size of real token embeddings over a whole 16-token caption with a
// trained GPT-2 and a 768-wide moment space; with W on the soft prompts' learning rate (method.md's 0.006)
// W z_k outgrows them within the caption - the reason for the separate default.
TEST(ZeroTaMethodTest, PrefixStaysInTheRangeOfTokenEmbeddingsOverA16TokenCaption) {
  auto& loaded = world_gpt2();
  Gpt2Lm lm(loaded.model, loaded.tokenizer);
  double max_norm = 0;
  {
    torch::NoGradGuard no_grad;
    max_norm = loaded.model->wte->weight.norm(2, 1).max().item<double>();
  }
  WideRandomImageText image_text;
  VideoFrames video;
  auto generator = at::detail::createCPUGenerator(5);
  auto frames = torch::randn({40, 768}, generator, torch::TensorOptions().dtype(torch::kFloat));
  video.embeddings = frames / frames.norm(2, 1, true);
  for (int i = 0; i < 40; ++i) video.times_s.push_back(i);
  video.duration_s = 40;
  MethodOptions options;
  options.n_candidates = 64;
  options.min_tokens = 16;  // the whole caption: every token a step
  const std::vector<Span> spans = {{0, 0.5}, {0.5, 1}};
  for (const auto& r : optimise_moments(video, spans, image_text, lm, options)) {
    EXPECT_LE(r.soft_prompt_norm, max_norm) << r.caption;
    EXPECT_LE(r.projection_norm, max_norm) << r.caption;
    EXPECT_GT(r.projection_norm, 0.0);  // W learnt something
  }
  options.lr_w = options.lr_prefix;
  double largest = 0;
  for (const auto& r : optimise_moments(video, spans, image_text, lm, options)) largest = std::max(largest, r.projection_norm);
  EXPECT_GT(largest, 2 * max_norm);
}

// An event whose caption has ended is frozen: its mask and its soft prompt stay exactly as they were while
// the other events go on (its Adam moments too: nothing moves it).
TEST(ZeroTaMethodTest, FinishedEventsStayStill) {
  const auto video = planted_video({{"red", 20}, {"blue", 20}});
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.max_tokens = 12;
  std::vector<TokenTrace> traces;
  OptimiserHooks hooks;
  hooks.on_token = [&](const TokenTrace& t) { traces.push_back(t); };
  const auto results = optimise_moments(video, {{0, 0.5}, {0.5, 1}}, clip, lm, options, hooks);
  ASSERT_EQ(results.size(), 2u);
  int frozen_checks = 0;
  for (size_t i = 1; i < traces.size(); ++i) {
    for (size_t k = 0; k < 2; ++k) {
      if (traces[i].active[k]) continue;  // generated a token at step i
      // Finished before token i: nothing about it changes any more.
      EXPECT_EQ(traces[i].spans[k].start, traces[i - 1].spans[k].start);
      EXPECT_EQ(traces[i].spans[k].end, traces[i - 1].spans[k].end);
      EXPECT_TRUE(torch::equal(traces[i].soft_prompts[static_cast<int64_t>(k)],
                               traces[i - 1].soft_prompts[static_cast<int64_t>(k)]));
      ++frozen_checks;
    }
  }
  // The captions end at different tokens, so some event was checked while the other went on.
  EXPECT_GT(frozen_checks, 0) << results[0].caption << " | " << results[1].caption;
}

// rounds > 1: each event keeps the best-scoring of its rounds, so it scores at least what one round gave
// (round 1 is the same run), and later rounds start from the learnt parameters.
TEST(ZeroTaMethodTest, MoreRoundsKeepTheBestScoringCaption) {
  const auto video = planted_video({{"red", 20}, {"yellow", 20}, {"green", 20}});
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.max_tokens = 8;
  const std::vector<Span> spans = {{0, 1.0 / 3}, {1.0 / 3, 2.0 / 3}, {2.0 / 3, 1}};
  const auto one = optimise_moments(video, spans, clip, lm, options);
  options.rounds = 3;
  int rounds_seen = 0;
  OptimiserHooks hooks;
  hooks.on_token = [&](const TokenTrace& t) { rounds_seen = std::max(rounds_seen, t.round + 1); };
  const auto three = optimise_moments(video, spans, clip, lm, options, hooks);
  EXPECT_EQ(rounds_seen, 3);
  ASSERT_EQ(one.size(), three.size());
  for (size_t k = 0; k < one.size(); ++k) EXPECT_GE(three[k].score, one[k].score) << three[k].caption;
}

// method.md section 5: the score is cos(CLIP_text(caption), z_k), the caption without the prompt.
TEST(ZeroTaMethodTest, ScoreIsTheCaptionAgainstItsMoment) {
  const auto video = planted_video({{"red", 30}}, 0.0);
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.prompt = "A blue video of";  // a colour word in the prompt would change a prompt + caption score
  options.max_tokens = 6;
  options.fixed_masks = true;
  const auto results = optimise_moments(video, {{0, 1}}, clip, lm, options);
  ASSERT_EQ(results.size(), 1u);
  const auto text = clip.embed_texts({results[0].caption});
  const auto z = video.embeddings.mean(0) / video.embeddings.mean(0).norm();
  EXPECT_NEAR(results[0].score, (text[0] * z).sum().item<double>(), 1e-4) << results[0].caption;
}

// All events' candidates are encoded in one call per step (method.md section 7).
class CountingImageText : public TinyImageText {
 public:
  torch::Tensor embed_continuations(const std::vector<std::string>& prefixes,
                                    const std::vector<std::vector<std::string>>& continuations) override {
    ++calls;
    max_prefixes = std::max(max_prefixes, static_cast<int64_t>(prefixes.size()));
    return TinyImageText::embed_continuations(prefixes, continuations);
  }
  int64_t calls = 0;
  int64_t max_prefixes = 0;
};

TEST(ZeroTaMethodTest, AllEventsCandidatesInOneCallPerStep) {
  const auto video = planted_video({{"red", 15}, {"blue", 15}, {"green", 15}, {"yellow", 15}});
  CountingImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.max_tokens = 5;
  options.n_steps = 2;
  int tokens = 0;
  OptimiserHooks hooks;
  hooks.on_token = [&](const TokenTrace&) { ++tokens; };
  optimise_moments(video, {{0, 0.25}, {0.25, 0.5}, {0.5, 0.75}, {0.75, 1}}, clip, lm, options, hooks);
  EXPECT_EQ(clip.calls, 2 * tokens);
  EXPECT_EQ(clip.max_prefixes, 4);
}

// An LM that is sure of the wrong colour: " green" gets +4 nats on every step.
class GreenLm : public TinyLm {
 public:
  torch::Tensor forward(const torch::Tensor& inputs_embeds, KvCache* cache) override {
    auto logits = TinyLm::forward(inputs_embeds, cache);
    auto bias = torch::zeros({vocab_size()});
    bias[id_of(" green")] = 4.0;
    return logits + bias;
  }
};

// The posterior choice: CLIP's clear judgement of the moment wins over a confident LM, where the LM's own
// choice (method.md's, one step of the prefix) follows the LM.
TEST(ZeroTaMethodTest, ClipsJudgementWinsOverAConfidentLanguageModel) {
  const auto video = planted_video({{"red", 30}}, 0.0);
  TinyImageText clip;
  GreenLm lm;
  MethodOptions options;
  options.max_tokens = 4;
  options.fixed_masks = true;
  const auto posterior = optimise_moments(video, {{0, 1}}, clip, lm, options);
  EXPECT_EQ(lower(posterior[0].caption).rfind("red", 0), 0u) << posterior[0].caption;
  options.token_choice = TokenChoice::kLanguageModel;
  const auto by_lm = optimise_moments(video, {{0, 1}}, clip, lm, options);
  EXPECT_EQ(lower(by_lm[0].caption).rfind("green", 0), 0u) << by_lm[0].caption;
}

// Same seed, same input: the same output with one thread or two.
TEST(ZeroTaMethodTest, SameOutputWithOneAndTwoThreads) {
  const auto video = planted_video({{"red", 20}, {"blue", 25}, {"green", 15}});
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.max_tokens = 8;
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = caption_video(video, clip, lm, options);
  at::set_num_threads(2);
  const auto two = caption_video(video, clip, lm, options);
  at::set_num_threads(before);
  testing::expect_same_events(one, two);
}

// Automatic K (method.md section 6 and the read-out): planted videos of 1 to 6 segments of unequal lengths,
// 3 s to 60 s, hard cuts and cross-fades, and a scene that returns (A B A): the right number of events, each
// on its segment (edges within 1.5 s) and naming its colour.
struct Planted {
  const char* name;
  std::vector<std::pair<std::string, int>> segments;
  int crossfade_s = 0;  // frames blended at each cut
};

// At 2 frames per second, so that a 3-s scene has frames enough for a mask of its own.
constexpr int kFps = 2;

VideoFrames planted_with_fades(const Planted& p) {
  std::vector<std::pair<std::string, int>> frames;
  for (const auto& [colour, seconds] : p.segments) frames.push_back({colour, seconds * kFps});
  VideoFrames video = planted_video(frames, 0.03);
  for (size_t i = 0; i < video.times_s.size(); ++i) video.times_s[i] = static_cast<double>(i) / kFps;
  video.duration_s = static_cast<double>(video.times_s.size()) / kFps;
  if (p.crossfade_s > 0) {
    const int n = p.crossfade_s * kFps;
    int cut = 0;
    for (size_t s = 0; s + 1 < frames.size(); ++s) {
      cut += frames[s].second;
      const auto a = testing::colour_frame(frames[s].first);
      const auto b = testing::colour_frame(frames[s + 1].first);
      for (int f = -n / 2; f < n - n / 2; ++f) {
        const double w = (f + n / 2 + 0.5) / n;
        const auto mixed = (1 - w) * a + w * b;
        video.embeddings[cut + f] = mixed / mixed.norm();
      }
    }
  }
  return video;
}

TEST(ZeroTaMethodTest, AutomaticEventCountAndSpansOnPlantedVideos) {
  const std::vector<Planted> cases = {
      {"one scene", {{"red", 40}}},
      {"two unequal", {{"blue", 8}, {"yellow", 52}}},
      {"three with a short one", {{"red", 30}, {"green", 3}, {"blue", 30}}},
      {"four", {{"yellow", 12}, {"blue", 25}, {"red", 6}, {"green", 40}}},
      {"five", {{"red", 10}, {"green", 14}, {"blue", 9}, {"yellow", 20}, {"red", 12}}},
      {"six", {{"green", 7}, {"red", 11}, {"yellow", 5}, {"blue", 16}, {"green", 9}, {"red", 60}}},
      {"cross-fades", {{"red", 20}, {"blue", 25}, {"green", 20}}, 4},
      {"a scene that returns", {{"red", 20}, {"blue", 20}, {"red", 20}}},
  };
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.min_segment_s = 3;
  options.max_tokens = 6;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto video = planted_with_fades(c);
    const auto events = caption_video(video, clip, lm, options);
    std::string report;
    for (const auto& e : events) report += "[" + std::to_string(e.start_s) + ", " + std::to_string(e.end_s) + "] " + e.caption + "; ";
    ASSERT_EQ(events.size(), c.segments.size()) << report;
    double start = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const double end = start + c.segments[i].second;
      EXPECT_NEAR(events[i].start_s, start, 1.5) << report;
      EXPECT_NEAR(events[i].end_s, end, 1.5) << report;
      EXPECT_NE(lower(events[i].caption).find(c.segments[i].first), std::string::npos) << report;
      start = end;
    }
  }
}

}  // namespace
}  // namespace vidscribe::caption
