// Speed of the captioning optimiser at real model sizes (random weights, real tokenizers from the golden
// folders): seconds per token step (LM forward + backward, candidate CLIP encodings, token choice) for 1 and
// 4 events, with the shared-prefix candidate encoding (method.md section 7) and, in the same run, with every
// candidate encoded as a full 77-token sequence as research code does. Prints one JSON object per case.
//
// Usage: bench_caption [--reps N] [--preset fast|paper] [--threads N]   (defaults: 3, fast, all cores)

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "caption/clip_adapter.h"
#include "caption/gpt2_adapter.h"
#include "caption/zerota.h"
#include "nn/runtime.h"

namespace {
using namespace vidscribe;

// The research-code way: every candidate text as a full 77-token row.
class Full77Clip : public caption::ClipImageText {
 public:
  Full77Clip(nn::ClipModel model, text::ClipTokenizer tokenizer)
      : ClipImageText(model, tokenizer), model_(model), tokenizer_(tokenizer) {}
  torch::Tensor embed_continuations(const std::string& prefix, const std::vector<std::string>& continuations) override {
    torch::NoGradGuard no_grad;
    auto rows = torch::zeros({static_cast<int64_t>(continuations.size()), 77}, torch::kLong);
    for (size_t i = 0; i < continuations.size(); ++i) {
      const auto ids = tokenizer_.encode_for_model(prefix + continuations[i]);
      std::copy(ids.begin(), ids.end(), rows[static_cast<int64_t>(i)].data_ptr<int64_t>());
    }
    auto e = model_->encode_text(rows);
    return e / e.norm(2, 1, true);
  }

 private:
  nn::ClipModel model_;
  text::ClipTokenizer tokenizer_;
};

nn::ClipConfig clip_config(bool paper) {
  nn::ClipConfig c;
  c.text.hidden_size = paper ? 768 : 512;
  c.text.intermediate_size = 4 * c.text.hidden_size;
  c.text.num_attention_heads = c.text.hidden_size / 64;
  c.vision.hidden_size = paper ? 1024 : 768;
  c.vision.intermediate_size = 4 * c.vision.hidden_size;
  c.vision.num_attention_heads = c.vision.hidden_size / 64;
  c.vision.num_hidden_layers = paper ? 24 : 12;
  c.vision.patch_size = paper ? 14 : 32;
  c.projection_dim = paper ? 768 : 512;
  return c;
}

nn::Gpt2Config gpt2_config(bool paper) {
  nn::Gpt2Config c;
  if (paper) {
    c.n_embd = 1024;
    c.n_layer = 24;
    c.n_head = 16;
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3;
  bool paper = false;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--preset")) paper = std::string(argv[i + 1]) == "paper";
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  nn::set_threads(threads);
  const char* shared = std::getenv("VIDSCRIBE_SHARED_DIR");
  const std::filesystem::path golden = std::filesystem::path(shared ? shared : "../shared") / "golden";
  torch::manual_seed(0);
  nn::ClipModel clip(clip_config(paper));
  nn::Gpt2 gpt2(gpt2_config(paper));
  for (auto& p : clip->parameters()) p.set_requires_grad(false);
  for (auto& p : gpt2->parameters()) p.set_requires_grad(false);
  const auto clip_tok = text::ClipTokenizer::load(golden / "tiny-clip/vocab.json", golden / "tiny-clip/merges.txt");
  const auto gpt2_tok = text::Gpt2Tokenizer::load(golden / "tiny-gpt2/vocab.json", golden / "tiny-gpt2/merges.txt");
  caption::ClipImageText shared_prefix(clip, clip_tok);
  Full77Clip full77(clip, clip_tok);
  caption::Gpt2Lm lm(gpt2, gpt2_tok);

  const int64_t dim = clip->config().projection_dim;
  caption::VideoFrames video;
  video.embeddings = torch::randn({120, dim});
  video.embeddings = video.embeddings / video.embeddings.norm(2, 1, true);
  for (int i = 0; i < 120; ++i) video.times_s.push_back(i + 0.5);
  video.duration_s = 120;

  const int kTokens = 4;
  for (int events : {1, 4}) {
    for (int mode = 0; mode < 2; ++mode) {
      caption::ImageTextModel& image_text = mode == 0 ? static_cast<caption::ImageTextModel&>(shared_prefix) : full77;
      caption::CaptionOptions options;
      options.max_tokens = kTokens;
      options.min_tokens = kTokens;
      std::vector<caption::Span> spans;
      for (int k = 0; k < events; ++k) spans.push_back({double(k) / events, double(k + 1) / events});
      std::vector<double> seconds;
      for (int r = 0; r < (mode == 0 ? reps : 1); ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        caption::optimise_moments(video, spans, image_text, lm, options);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / kTokens);
      }
      std::sort(seconds.begin(), seconds.end());
      std::printf("{\"name\": \"caption_token_step_%s_%s_events%d\", \"repetitions\": %zu, \"median_s\": %.3f, "
                  "\"min_s\": %.3f, \"max_s\": %.3f, \"candidates\": 512, \"tokens_per_rep\": %d}\n",
                  paper ? "paper" : "fast", mode == 0 ? "shared_prefix" : "full77", events, seconds.size(),
                  seconds[seconds.size() / 2], seconds.front(), seconds.back(), kTokens);
      std::fflush(stdout);
    }
  }
  return 0;
}
