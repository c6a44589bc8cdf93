// Speed of the model stack at real sizes (random weights): CLIP image and text embeddings, CLIP text through
// the shared-prefix tails API (method.md s7), GPT-2 forward+backward to input embeddings. Prints one JSON
// object per measurement: repetitions, median and spread of the seconds per call, and the derived rate.
//
// Usage: bench_models [--reps N] [--warmup N] [--only clip_B32|clip_L14|gpt2|gpt2-medium] [--threads N]
//        (defaults: 5 repetitions after 1 warm-up run, every case, all cores)

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "nn/models/clip.h"
#include "nn/models/gpt2.h"
#include "nn/runtime.h"
#include "options.h"

namespace {
using namespace vidscribe::nn;

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

int g_warmup = 1;  // --warmup: untimed runs before the timed ones

// Runs `fn` g_warmup times untimed, then `reps` times; prints median/min/max seconds and items/s.
void measure(const std::string& name, int reps, int64_t items, const std::string& unit,
             const std::function<void()>& fn) {
  for (int i = 0; i < g_warmup; ++i) fn();
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf(
      "{\"name\": \"%s\", \"repetitions\": %d, \"median_s\": %.4f, \"min_s\": %.4f, \"max_s\": %.4f, "
      "\"spread_pct\": %.1f, \"items\": %lld, \"%s_per_s\": %.1f, \"ms_per_item\": %.2f, \"peak_rss_mib\": %.0f}\n",
      name.c_str(), reps, median, seconds.front(), seconds.back(),
      100.0 * (seconds.back() - seconds.front()) / median, static_cast<long long>(items), unit.c_str(),
      static_cast<double>(items) / median, 1000.0 * median / static_cast<double>(items), peak_rss_mib());
  std::fflush(stdout);
}

ClipConfig clip_config(const std::string& which) {
  ClipConfig c;
  c.text.hidden_size = which == "L14" ? 768 : 512;
  c.text.intermediate_size = 4 * c.text.hidden_size;
  c.text.num_attention_heads = c.text.hidden_size / 64;
  c.vision.hidden_size = which == "L14" ? 1024 : 768;
  c.vision.intermediate_size = 4 * c.vision.hidden_size;
  c.vision.num_attention_heads = c.vision.hidden_size / 64;
  c.vision.num_hidden_layers = which == "L14" ? 24 : 12;
  c.vision.patch_size = which == "L14" ? 14 : 32;
  c.projection_dim = which == "L14" ? 768 : 512;
  return c;
}

Gpt2Config gpt2_config(const std::string& which) {
  Gpt2Config c;
  if (which == "gpt2-medium") {
    c.n_embd = 1024;
    c.n_layer = 24;
    c.n_head = 16;
  }
  return c;
}

// Random CLIP token ids: start, `words` tokens, end, padded with 0 to 77.
torch::Tensor random_text(int64_t n, int64_t words) {
  torch::Tensor ids = torch::zeros({n, 77}, torch::kLong);
  ids.select(1, 0).fill_(49406);
  ids.narrow(1, 1, words).copy_(torch::randint(300, 40000, {n, words}, torch::kLong));
  ids.select(1, words + 1).fill_(49407);
  return ids;
}

void bench_clip(const std::string& which, int reps) {
  torch::manual_seed(0);
  ClipModel model(clip_config(which));
  model->eval();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  torch::NoGradGuard no_grad;
  const int64_t size = model->config().vision.image_size;
  torch::Tensor pixels = torch::randn({32, 3, size, size});
  measure("clip_" + which + "_image_b32", reps, 32, "images", [&] { model->encode_image(pixels); });

  torch::Tensor caption = random_text(512, 18);
  measure("clip_" + which + "_text_b512_len20", reps, 512, "texts", [&] { model->encode_text(caption); });

  // The captioner's case: prompt + caption so far shared (18 tokens), 512 candidate tails of 2 tokens.
  torch::Tensor prefix_ids = caption[0].narrow(0, 0, 18).clone();
  torch::Tensor tails = torch::randint(300, 40000, {512, 2}, torch::kLong);
  tails.select(1, 1).fill_(49407);
  torch::Tensor lengths = torch::full({512}, 2, torch::kLong);
  measure("clip_" + which + "_text_tails_b512_prefix18", reps, 512, "texts", [&] {
    ClipTextPrefix prefix = model->encode_text_prefix(prefix_ids);
    model->encode_text_tails(prefix, tails, lengths);
  });
  // Full 77-token rows: the worst case, a text that fills the context (what ZeroCap-style code pays for
  // every candidate).
  torch::Tensor full = random_text(512, 75);
  measure("clip_" + which + "_text_b512_len77", reps, 512, "texts", [&] { model->encode_text(full); });
}

void bench_gpt2(const std::string& which, int reps) {
  torch::manual_seed(0);
  Gpt2 model(gpt2_config(which));
  model->eval();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  torch::Tensor ids = torch::randint(0, 50257, {4, 30}, torch::kLong);
  torch::Tensor embeds;
  {
    torch::NoGradGuard no_grad;
    embeds = model->embed(ids);
  }
  // Forward over 30 positions for 4 events, loss on every position's logits, backward to the embeddings.
  measure(which + "_fwd_bwd_b4_len30", reps, 4, "sequences", [&] {
    const vidscribe::nn::detail::BlasThreadsOnly threads;  // around forward and backward, as the captioning step has it
    torch::Tensor x = embeds.detach().requires_grad_(true);
    torch::Tensor logits = model->forward(x);
    torch::nn::functional::cross_entropy(logits.view({-1, logits.size(2)}), ids.view({-1})).backward();
  });
  // Next-token step with a cache (what greedy decoding does per token).
  measure(which + "_cached_step_b4_past30", reps, 4, "sequences", [&] {
    torch::NoGradGuard no_grad;
    KvCache cache;
    model->forward(embeds, &cache);
    model->forward_ids(ids.narrow(1, 0, 1), &cache);
  });
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5, threads = 0;
  std::string only;
  const char* usage =
      "Usage: bench_models [--reps N] [--warmup N] [--only clip_B32|clip_L14|gpt2|gpt2-medium] [--threads N]";
  for (const auto& [key, value] :
       vidscribe::bench::parse_options(argc, argv, usage, {"--reps", "--only", "--threads", "--warmup"})) {
    if (key == "--reps") reps = std::max(1, std::atoi(value.c_str()));
    if (key == "--only") only = value;
    if (key == "--threads") threads = std::atoi(value.c_str());
    if (key == "--warmup") g_warmup = std::max(0, std::atoi(value.c_str()));
  }
  set_threads(threads);
  std::printf("{\"threads\": %d, \"torch\": \"%s\"}\n", at::get_num_threads(), TORCH_VERSION);
  for (std::string which : {"B32", "L14"}) {
    if (only.empty() || only == "clip_" + which) bench_clip(which, reps);
  }
  for (std::string which : {"gpt2", "gpt2-medium"}) {
    if (only.empty() || only == which) bench_gpt2(which, reps);
  }
  return 0;
}
