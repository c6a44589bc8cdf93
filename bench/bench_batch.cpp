// Throughput of `vidscribe batch` and its overhead beyond captioning, at real model size (the fast preset's
// CLIP ViT-B/32 + GPT-2 124M, random weights written once to model folders in the Hugging Face layout, with
// the golden folders' real tokenizers) over synthetic videos (ffmpeg's test sources).
//
// In one run, alternating so that load drifts hit both alike:
//   caption  one Context, caption_file on every video in turn: the captioning alone;
//   batch    run_batch over the same videos into a fresh output folder: model loading once, then claims,
//            hashing, result records written atomically;
// then a resumed batch over the finished folder (every video skipped: the cost of checking results), and
// the model loading time, which `vidscribe caption` run once per video would pay every time.
// Prints one JSON object: videos per hour and per-video seconds of each, and the batch's own work per video
// beyond captioning, measured inside the batch run (see batch_own_s_per_video below).
//
// Usage: bench_batch [--videos 10] [--seconds 6] [--max-tokens 4] [--threads 0] [--rounds 2] [--dir DIR]
//        VIDSCRIBE_SHARED_DIR names the folder with golden/ (default ../shared).

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "batch/run.h"
#include "nn/models/clip.h"
#include "nn/models/gpt2.h"
#include "nn/runtime.h"
#include "nn/safetensors.h"
#include "util/file_hash.h"
#include "util/fs.h"
#include "vidscribe/vidscribe.h"

namespace {
namespace fs = std::filesystem;
using namespace vidscribe;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Every parameter and stored buffer of a module, by the names the loader looks for.
std::map<std::string, torch::Tensor> weights_of(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters(true)) out[p.key()] = p.value().detach().contiguous();
  for (const auto& b : m.named_buffers(true)) {
    const std::string& k = b.key();
    if (k.find("position_ids") != std::string::npos || k.find("attn.bias") != std::string::npos ||
        k.find("masked_bias") != std::string::npos) {
      continue;  // computed when the model is made, not stored
    }
    out[k] = b.value().contiguous();
  }
  return out;
}

// A model folder: `golden`'s config (changed as `edit` says) and tokenizer files, and random weights for the
// model `Module` that config describes.
template <typename Module, typename Config, typename Edit>
void write_model(const fs::path& golden, const fs::path& dir, Edit edit) {
  if (fs::exists(dir / "model.safetensors")) return;
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(golden)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".txt" || (ext == ".json" && e.path().filename() != "config.json")) {
      fs::copy_file(e.path(), dir / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  nlohmann::json config = nlohmann::json::parse(util::read_file(golden / "config.json"));
  edit(config);
  util::write_file_atomic(dir / "config.json", config.dump(2) + "\n");
  Module model(Config::from_json(dir / "config.json"));
  nn::write_safetensors(dir / "model.safetensors", weights_of(*model));
}

fs::path make_video(const fs::path& dir, int i, int seconds) {
  const fs::path path = dir / ("v" + std::to_string(i) + ".mp4");
  if (fs::exists(path)) return path;
  static const char* const kSources[] = {"testsrc2", "smptebars", "rgbtestsrc", "mandelbrot", "life"};
  const std::string cmd = "ffmpeg -nostdin -v error -y -f lavfi -i " + std::string(kSources[i % 5]) +
                          "=size=320x240:rate=10 -t " + std::to_string(seconds) + " -pix_fmt yuv420p '" +
                          path.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "bench_batch: ffmpeg failed: %s\n", cmd.c_str());
    std::exit(1);
  }
  return path;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  int videos = 10, seconds = 6, max_tokens = 4, threads = 0, rounds = 2;
  fs::path dir = fs::temp_directory_path() / "vidscribe-bench-batch";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--videos") videos = std::stoi(v);
    else if (a == "--seconds") seconds = std::stoi(v);
    else if (a == "--max-tokens") max_tokens = std::stoi(v);
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--rounds") rounds = std::stoi(v);
    else if (a == "--dir") dir = v;
    else {
      std::fprintf(stderr, "bench_batch: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const char* shared_env = std::getenv("VIDSCRIBE_SHARED_DIR");
  const fs::path golden = fs::path(shared_env ? shared_env : "../shared") / "golden";
  nn::set_threads(threads);
  fs::create_directories(dir / "videos");

  std::fprintf(stderr, "bench_batch: writing real-size random-weight models to %s\n", dir.c_str());
  torch::manual_seed(0);
  write_model<nn::ClipModel, nn::ClipConfig>(golden / "tiny-clip", dir / "clip-b32", [](nlohmann::json& c) {
    c["projection_dim"] = 512;
    auto& t = c["text_config"];
    t["hidden_size"] = 512, t["intermediate_size"] = 2048, t["num_attention_heads"] = 8;
    t["num_hidden_layers"] = 12, t["projection_dim"] = 512;
    auto& v = c["vision_config"];
    v["hidden_size"] = 768, v["intermediate_size"] = 3072, v["num_attention_heads"] = 12;
    v["num_hidden_layers"] = 12, v["image_size"] = 224, v["patch_size"] = 32, v["projection_dim"] = 512;
  });
  {  // the real model's image size
    nlohmann::json pre = nlohmann::json::parse(util::read_file(dir / "clip-b32/preprocessor_config.json"));
    pre["crop_size"] = {{"height", 224}, {"width", 224}};
    pre["size"] = {{"shortest_edge", 224}};
    util::write_file_atomic(dir / "clip-b32/preprocessor_config.json", pre.dump(2) + "\n");
  }
  write_model<nn::Gpt2, nn::Gpt2Config>(golden / "tiny-gpt2", dir / "gpt2", [](nlohmann::json& c) {
    c["n_embd"] = 768, c["n_layer"] = 12, c["n_head"] = 12, c["n_positions"] = 1024, c["n_ctx"] = 1024;
  });
  std::vector<fs::path> paths;
  for (int i = 0; i < videos; ++i) paths.push_back(make_video(dir / "videos", i, seconds));

  ContextParams cp = default_context_params();
  cp.preset = "fast";
  cp.clip = (dir / "clip-b32").string();
  cp.lm = (dir / "gpt2").string();
  cp.threads = threads;
  CaptionParams params = default_caption_params();
  set_option(params.options, "max-tokens", std::to_string(max_tokens));
  set_option(params.options, "min-tokens", std::to_string(std::min(max_tokens, 4)));
  params.use_frame_cache = false;

  std::vector<double> load_s, caption_s, batch_s, resume_s;
  std::vector<double> per_video_caption, loop_overhead_s;
  for (int round = 0; round < rounds; ++round) {
    {
      auto t0 = Clock::now();
      Context context(cp);
      load_s.push_back(seconds_since(t0));
      t0 = Clock::now();
      for (const auto& p : paths) {
        const auto v0 = Clock::now();
        context.caption_file(p.string(), params);
        per_video_caption.push_back(seconds_since(v0));
      }
      caption_s.push_back(seconds_since(t0));
    }
    const fs::path out = dir / ("out-" + std::to_string(round));
    fs::remove_all(out);
    batch::BatchParams bp;
    bp.input = dir / "videos";
    bp.out = out;
    bp.context = cp;
    bp.caption = params;
    // When each video was settled and how long its captioning took (the record's wall_s: hashing the file
    // and caption_file): the time between the first video's start and the last video's end beyond these
    // is the batch's own per-video work - claims, checks, records - measured inside one run.
    std::vector<std::pair<Clock::time_point, double>> settled;
    bp.on_video = [&](const nlohmann::ordered_json& j) {
      settled.emplace_back(Clock::now(), j.value("wall_s", 0.0));
    };
    auto t0 = Clock::now();
    const batch::BatchSummary s = batch::run_batch(bp);
    batch_s.push_back(seconds_since(t0));
    double captioning = 0;
    for (const auto& e : settled) captioning += e.second;
    const double span = std::chrono::duration<double>(settled.back().first - settled.front().first).count() +
                        settled.front().second;
    loop_overhead_s.push_back((span - captioning) / videos);
    bp.on_video = nullptr;
    t0 = Clock::now();
    batch::run_batch(bp);
    resume_s.push_back(seconds_since(t0));
    if (s.computed != videos) {
      std::fprintf(stderr, "bench_batch: the batch captioned %d of %d videos\n", s.computed, videos);
      return 1;
    }
    std::fprintf(stderr, "bench_batch: round %d: load %.1f s, caption %.1f s, batch %.1f s, resumed %.2f s\n", round,
                 load_s.back(), caption_s.back(), batch_s.back(), resume_s.back());
  }

  const auto h0 = Clock::now();
  for (const auto& p : paths) util::file_sha256(p);
  const double hash_s = seconds_since(h0) / videos;
  const double load = median(load_s);
  const double caption = median(caption_s) / videos;
  // The batch's own model loading is the same as the caption pass's; what is left beyond it and the
  // captioning is the batch's per-video overhead.
  const double batch = (median(batch_s) - load) / videos;
  const double resume = median(resume_s) / videos;  // nothing to do: no models are loaded
  nlohmann::ordered_json j;
  j["videos"] = videos;
  j["video_seconds"] = seconds;
  j["max_tokens"] = max_tokens;
  j["threads"] = at::get_num_threads();
  j["rounds"] = rounds;
  j["model_load_s"] = load;
  j["caption_s_per_video"] = caption;
  j["batch_s_per_video"] = batch;
  // Between two passes: includes the run-to-run variation of captioning itself (a few per cent).
  j["batch_minus_caption_s_per_video"] = batch - caption;
  j["hash_s_per_video"] = hash_s;
  j["batch_own_s_per_video"] = median(loop_overhead_s);
  j["batch_own_percent"] = 100.0 * median(loop_overhead_s) / caption;
  j["resume_check_s_per_video"] = resume;
  j["videos_per_hour_batch"] = 3600.0 / batch;
  j["videos_per_hour_one_process_per_video"] = 3600.0 / (caption + load);
  j["spread_caption_s"] = {*std::min_element(caption_s.begin(), caption_s.end()) / videos,
                           *std::max_element(caption_s.begin(), caption_s.end()) / videos};
  j["spread_batch_s"] = {(*std::min_element(batch_s.begin(), batch_s.end()) - load) / videos,
                         (*std::max_element(batch_s.begin(), batch_s.end()) - load) / videos};
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_batch: %s\n", e.what());
  return 1;
}
