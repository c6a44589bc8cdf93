// Speed of the captioning optimiser at real model sizes (random weights, real tokenizers from the golden
// folders): seconds per token step (LM forward + backward, candidate CLIP encodings, token choice) for 1 and
// 4 events, with the shared-prefix candidate encoding (method.md section 7) and, in the same run, with every
// candidate encoded as a full 77-token sequence as research code does (all 77 positions through every layer,
// pooled at the end token). Each case also reports where the time went. With --video, the end-to-end time of
// a synthetic 2-minute video (made with the ffmpeg tool: four 30 s scenes) with 4 events: decoding, CLIP
// frame embeddings at 1 fps and the whole optimisation (no frame cache). Prints one JSON object per case.
//
// Usage: bench_caption [--reps N] [--preset fast|paper] [--threads N] [--tokens N] [--events 1,4]
//                      [--candidates 512] [--full77 0|1] [--video 0|1]
//        defaults: 3 repetitions, fast, all cores, 4 tokens, events 1 and 4, 512 candidates, full77 1,
//        video 0. --events and --candidates take comma-separated lists.

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "caption/clip_adapter.h"
#include "caption/frame_cache.h"
#include "caption/gpt2_adapter.h"
#include "caption/zerota.h"
#include "nn/runtime.h"
#include "options.h"

namespace {
using namespace vidscribe;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Seconds spent per stage, summed over a run.
struct Breakdown {
  std::map<std::string, double> seconds;
  Clock::time_point candidates_done;  // when the last candidate encoding returned (start of the backward pass)
  void add(const std::string& stage, double s) { seconds[stage] += s; }
};

// The research-code way: every candidate text as a full 77-token row, all 77 positions through every layer.
class Full77Clip : public caption::ClipImageText {
 public:
  Full77Clip(nn::ClipModel model, text::ClipTokenizer tokenizer)
      : ClipImageText(model, tokenizer), model_(model), tokenizer_(tokenizer) {}
  torch::Tensor embed_continuations(const std::vector<std::string>& prefixes,
                                    const std::vector<std::vector<std::string>>& continuations) override {
    torch::NoGradGuard no_grad;
    std::vector<std::string> texts;
    for (size_t p = 0; p < prefixes.size(); ++p) {
      for (const auto& c : continuations[p]) texts.push_back(prefixes[p] + c);
    }
    const int64_t n = static_cast<int64_t>(texts.size());
    auto rows = torch::zeros({n, 77}, torch::kLong);
    for (int64_t i = 0; i < n; ++i) {
      const auto ids = tokenizer_.encode_for_model(texts[static_cast<size_t>(i)]);
      std::copy(ids.begin(), ids.end(), rows[i].data_ptr<int64_t>());
    }
    auto& text = *model_->text_model;
    const auto positions = torch::arange(77, torch::kLong);
    auto x = text.embeddings->token_embedding(rows) + text.embeddings->position_embedding(positions);  // [N, 77, C]
    const auto mask = nn::detail::causal_mask(positions.unsqueeze(1), positions, x.scalar_type());     // [77, 77]
    for (auto& layer : text.encoder->list) x = layer->forward(x, {}, {}, {}, mask);
    const auto pooled = text.final_layer_norm(x.index({torch::arange(n), rows.argmax(1)}));          // [N, C]
    auto e = pooled.matmul(model_->text_projection->weight.t());
    return e / e.norm(2, 1, true);
  }

 private:
  nn::ClipModel model_;
  text::ClipTokenizer tokenizer_;
};

// Times the candidate encodings.
class TimedImageText : public caption::ImageTextModel {
 public:
  TimedImageText(caption::ImageTextModel& inner, Breakdown& b) : inner_(inner), b_(b) {}
  int64_t dim() const override { return inner_.dim(); }
  double temperature() const override { return inner_.temperature(); }
  torch::Tensor embed_frames(const torch::Tensor& pixels) override { return inner_.embed_frames(pixels); }
  torch::Tensor embed_texts(const std::vector<std::string>& texts) override { return inner_.embed_texts(texts); }
  torch::Tensor embed_continuations(const std::vector<std::string>& prefixes,
                                    const std::vector<std::vector<std::string>>& continuations) override {
    const auto t0 = Clock::now();
    auto e = inner_.embed_continuations(prefixes, continuations);
    b_.add("clip_candidates", seconds_since(t0));
    b_.candidates_done = Clock::now();
    return e;
  }

 private:
  caption::ImageTextModel& inner_;
  Breakdown& b_;
};

// Times the LM forwards (with gradient: the optimisation step; without: the token choice; with a cache:
// the fluency anchor q) and the LM part of the backward pass (from the end of the candidate encodings to
// the gradient of the LM input, via a hook).
class TimedLm : public caption::CausalLm {
 public:
  TimedLm(caption::CausalLm& inner, Breakdown& b) : inner_(inner), b_(b) {}
  int64_t embedding_dim() const override { return inner_.embedding_dim(); }
  int64_t vocab_size() const override { return inner_.vocab_size(); }
  int64_t eos_id() const override { return inner_.eos_id(); }
  std::string token_bytes(int64_t id) const override { return inner_.token_bytes(id); }
  std::vector<int64_t> encode(const std::string& text) const override { return inner_.encode(text); }
  int64_t period_id() const override { return inner_.period_id(); }
  torch::Tensor embed(const torch::Tensor& ids) override { return inner_.embed(ids); }
  torch::Tensor forward(const torch::Tensor& x, caption::KvCache* cache) override { return inner_.forward(x, cache); }
  torch::Tensor last_logits(const torch::Tensor& x, caption::KvCache* cache) override {
    const bool grad = torch::GradMode::is_enabled() && x.requires_grad();
    const auto t0 = Clock::now();
    auto logits = inner_.last_logits(x, cache);
    b_.add(cache ? "lm_q" : grad ? "lm_forward" : "lm_choice", seconds_since(t0));
    if (grad) {
      Breakdown* b = &b_;
      x.register_hook([b](const torch::Tensor&) { b->add("lm_backward", seconds_since(b->candidates_done)); });
    }
    return logits;
  }

 private:
  caption::CausalLm& inner_;
  Breakdown& b_;
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

// GFLOP/s of a [512, 512] x [512, 2048] float matmul: shows which BLAS torch uses and how loaded the CPU is.
double matmul_gflops() {
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({512, 512}), b = torch::randn({512, 2048});
  auto c = a.mm(b);
  const int reps = 20;
  const auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) c = a.mm(b);
  return 2.0 * 512 * 512 * 2048 * reps / seconds_since(t0) / 1e9;
}

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "?";
  char line[128] = {0};
  const bool ok = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!ok) return "?";
  std::string s(line);
  std::istringstream in(s);
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string breakdown_json(const Breakdown& b, double total, double per) {
  std::string out = "{";
  double known = 0;
  for (const auto& [stage, s] : b.seconds) {
    char item[96];
    std::snprintf(item, sizeof item, "\"%s\": %.3f, ", stage.c_str(), s / per);
    out += item;
    known += s;
  }
  char rest[64];
  std::snprintf(rest, sizeof rest, "\"other\": %.3f}", (total - known) / per);
  return out + rest;
}

// A 2-minute video of four 30 s scenes (ffmpeg's test sources) in `dir`; returns its path.
std::filesystem::path make_video(const std::filesystem::path& dir) {
  const auto path = dir / "bench_caption_2min.mp4";
  if (std::filesystem::exists(path)) return path;
  const std::string cmd =
      "ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25:duration=30 -f lavfi -i "
      "color=c=red:size=640x360:rate=25:duration=30 -f lavfi -i mandelbrot=size=640x360:rate=25 -f lavfi -i "
      "smptebars=size=640x360:rate=25:duration=30 -filter_complex "
      "\"[2]trim=duration=30,setpts=PTS-STARTPTS[m];[0][1][m][3]concat=n=4:v=1[v]\" -map \"[v]\" -c:v libx264 "
      "-preset ultrafast -pix_fmt yuv420p \"" + path.string() + "\"";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "bench_caption: could not make the synthetic video with ffmpeg\n");
    std::exit(1);
  }
  return path;
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3, threads = 0, tokens = 4;
  bool paper = false, full = true, video_case = false;
  std::vector<int> event_counts = {1, 4};
  std::vector<int> candidate_counts = {512};
  const char* usage =
      "Usage: bench_caption [--reps N] [--preset fast|paper] [--threads N] [--tokens N] [--events 1,4] "
      "[--candidates 512] [--full77 0|1] [--video 0|1]";
  for (const auto& [key, value] : bench::parse_options(argc, argv, usage,
                                                {"--reps", "--preset", "--threads", "--tokens", "--events",
                                                 "--candidates", "--full77", "--video"})) {
    if (key == "--reps") reps = std::atoi(value.c_str());
    if (key == "--preset") paper = value == "paper";
    if (key == "--threads") threads = std::atoi(value.c_str());
    if (key == "--tokens") tokens = std::atoi(value.c_str());
    if (key == "--events") event_counts = parse_list(value);
    if (key == "--candidates") candidate_counts = parse_list(value);
    if (key == "--full77") full = value != "0";
    if (key == "--video") video_case = value != "0";
  }
  nn::set_threads(threads);
  const char* shared = std::getenv("VIDSCRIBE_SHARED_DIR");
  const std::filesystem::path golden = std::filesystem::path(shared ? shared : "../shared") / "golden";
  torch::manual_seed(0);
  nn::ClipModel clip(clip_config(paper));
  nn::Gpt2 gpt2(gpt2_config(paper));
  for (auto& p : clip->parameters()) p.set_requires_grad(false);
  for (auto& p : gpt2->parameters()) p.set_requires_grad(false);
  clip->eval();
  gpt2->eval();
  const auto clip_tok = text::ClipTokenizer::load(golden / "tiny-clip/vocab.json", golden / "tiny-clip/merges.txt");
  const auto gpt2_tok = text::Gpt2Tokenizer::load(golden / "tiny-gpt2/vocab.json", golden / "tiny-gpt2/merges.txt");
  caption::ClipImageText shared_prefix(clip, clip_tok);
  Full77Clip full77(clip, clip_tok);
  caption::Gpt2Lm lm(gpt2, gpt2_tok);
  const char* preset = paper ? "paper" : "fast";
  int threads_inside = 0;  // torch's intra-op threads while the optimiser runs (1: BLAS threads only)
  {
    const nn::detail::BlasThreadsOnly guard;
    threads_inside = at::get_num_threads();
  }
  std::printf("{\"name\": \"caption_setup\", \"preset\": \"%s\", \"torch_threads\": %d, "
              "\"torch_threads_while_captioning\": %d, \"blas\": \"%s\", \"matmul_gflops\": %.1f, "
              "\"load_average\": \"%s\"}\n",
              preset, at::get_num_threads(), threads_inside, at::hasMKL() ? "mkl" : "other (OpenBLAS on Debian)",
              matmul_gflops(), load_average().c_str());
  std::fflush(stdout);

  const int64_t dim = clip->config().projection_dim;
  caption::VideoFrames video;
  video.embeddings = torch::randn({120, dim});
  video.embeddings = video.embeddings / video.embeddings.norm(2, 1, true);
  for (int i = 0; i < 120; ++i) video.times_s.push_back(i + 0.5);
  video.duration_s = 120;

  for (int candidates : candidate_counts) {
  for (int events : event_counts) {
    for (int mode = 0; mode < (full ? 2 : 1); ++mode) {
      caption::ImageTextModel& image_text = mode == 0 ? static_cast<caption::ImageTextModel&>(shared_prefix) : full77;
      MethodOptions options;
      options.max_tokens = tokens;
      options.min_tokens = tokens;
      options.n_candidates = candidates;
      std::vector<caption::Span> spans;
      for (int k = 0; k < events; ++k) spans.push_back({double(k) / events, double(k + 1) / events});
      std::vector<double> seconds;
      Breakdown breakdown;
      for (int r = 0; r < (mode == 0 ? reps : 1); ++r) {
        Breakdown b;
        TimedImageText timed_clip(image_text, b);
        TimedLm timed_lm(lm, b);
        const auto t0 = Clock::now();
        caption::optimise_moments(video, spans, timed_clip, timed_lm, options);
        const double total = seconds_since(t0);
        seconds.push_back(total / tokens);
        if (r == 0 || total / tokens <= *std::min_element(seconds.begin(), seconds.end())) {
          breakdown = b;
          breakdown.add("total", total);
        }
      }
      const double total = breakdown.seconds["total"];
      breakdown.seconds.erase("total");
      std::sort(seconds.begin(), seconds.end());
      std::printf("{\"name\": \"caption_token_step_%s_%s_events%d\", \"repetitions\": %zu, \"median_s\": %.3f, "
                  "\"min_s\": %.3f, \"max_s\": %.3f, \"candidates\": %d, \"tokens_per_rep\": %d, "
                  "\"breakdown_s_per_token\": %s, \"load_average\": \"%s\"}\n",
                  preset, mode == 0 ? "shared_prefix" : "full77", events, seconds.size(),
                  seconds[seconds.size() / 2], seconds.front(), seconds.back(), candidates, tokens,
                  breakdown_json(breakdown, total, tokens).c_str(), load_average().c_str());
      std::fflush(stdout);
    }
  }
  }

  if (video_case) {
    const auto path = make_video(std::filesystem::temp_directory_path());
    const auto t0 = Clock::now();
    caption::FrameEmbeddingOptions frame_options;  // 1 fps, no cache; B/32 and L/14 both read 224 px
    const auto frames = caption::embed_video_frames(path, frame_options, [&](const std::vector<media::ImageTensor>& batch) {
      const auto b = static_cast<int64_t>(batch.size());
      const int64_t s = batch[0].height;
      torch::Tensor pixels = torch::empty({b, 3, s, s}, torch::kFloat32);  // [B, 3, S, S]
      for (int64_t i = 0; i < b; ++i) {
        std::memcpy(pixels[i].data_ptr<float>(), batch[i].data.data(), batch[i].data.size() * sizeof(float));
      }
      torch::Tensor e = shared_prefix.embed_frames(pixels).contiguous();
      return std::vector<float>(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
    });
    const double frame_s = seconds_since(t0);
    caption::VideoFrames v;
    v.embeddings = torch::from_blob(const_cast<float*>(frames.data.data()), {frames.n_frames(), frames.dim}).clone();
    v.times_s = frames.times_s;
    v.duration_s = frames.duration_s;
    MethodOptions options;
    options.events = 4;
    const auto t1 = Clock::now();
    const auto events = caption::caption_video(v, shared_prefix, lm, options);
    const double caption_s = seconds_since(t1);
    std::printf("{\"name\": \"caption_video_2min_%s_events4\", \"frames\": %lld, \"events\": %zu, \"frames_s\": %.2f, "
                "\"optimise_s\": %.2f, \"total_s\": %.2f, \"max_tokens\": %d, \"load_average\": \"%s\"}\n",
                preset, static_cast<long long>(frames.n_frames()), events.size(), frame_s, caption_s,
                frame_s + caption_s, options.max_tokens, load_average().c_str());
  }
  return 0;
}
