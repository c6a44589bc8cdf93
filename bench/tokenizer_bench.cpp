// Tokenizer benchmark: loading the real vocabularies, and encoding as the captioner does (one CLIP prompt per
// candidate next token, ~512 a step). Prints one JSON object: per stage, repetitions, median and spread in ms.
//
//   tokenizer_bench [golden/tokenizers folder]   (default: $VIDSCRIBE_SHARED_DIR/golden/tokenizers)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "text/clip_tokenizer.h"
#include "text/gpt2_tokenizer.h"

#ifndef VIDSCRIBE_DEFAULT_SHARED_DIR
#define VIDSCRIBE_DEFAULT_SHARED_DIR "../shared"
#endif

namespace {

namespace fs = std::filesystem;
using vidscribe::text::ClipTokenizer;
using vidscribe::text::Gpt2Tokenizer;

struct Stage {
  std::string name;
  int reps;
  std::vector<double> ms;
};

// Times `run` `reps` times; `prepare` (untimed) runs before each repetition.
Stage measure(const std::string& name, int reps, const std::function<void()>& run,
              const std::function<void()>& prepare = [] {}) {
  Stage stage{name, reps, {}};
  for (int r = 0; r < reps; ++r) {
    prepare();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const auto t1 = std::chrono::steady_clock::now();
    stage.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return stage;
}

void print(const std::vector<Stage>& stages) {
  std::printf("{\n");
  for (size_t i = 0; i < stages.size(); ++i) {
    std::vector<double> ms = stages[i].ms;
    std::sort(ms.begin(), ms.end());
    std::printf("  \"%s\": {\"reps\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}%s\n",
                stages[i].name.c_str(), stages[i].reps, ms[ms.size() / 2], ms.front(), ms.back(),
                i + 1 < stages.size() ? "," : "");
  }
  std::printf("}\n");
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) {
    dir = argv[1];
  } else {
    const char* shared = std::getenv("VIDSCRIBE_SHARED_DIR");
    dir = fs::path(shared ? shared : VIDSCRIBE_DEFAULT_SHARED_DIR) / "golden" / "tokenizers";
  }
  std::vector<Stage> stages;
  Gpt2Tokenizer gpt2;
  ClipTokenizer clip;
  stages.push_back(measure("load_gpt2", 5, [&] {
    gpt2 = Gpt2Tokenizer::load(dir / "gpt2-vocab.json", dir / "gpt2-merges.txt");
  }));
  stages.push_back(measure("load_clip", 5, [&] {
    clip = ClipTokenizer::load(dir / "clip-vocab.json", dir / "clip-merges.txt");
  }));

  // The captioner's step: a fixed caption prefix plus each of 512 candidate GPT-2 tokens, through CLIP.
  const std::string prefix = "Image of a man is playing the guitar on a stage while";
  std::vector<std::string> candidates;
  for (int64_t k = 0; k < 512; ++k) candidates.push_back(prefix + gpt2.token_bytes(256 + k * 97 % 50000));
  size_t total_ids = 0;
  auto clip_step = [&] {
    for (const std::string& text : candidates) total_ids += clip.encode_for_model(text).size();
  };
  stages.push_back(measure("clip_512_candidates_cold_cache", 5, clip_step, [&] {
    clip = ClipTokenizer::load(dir / "clip-vocab.json", dir / "clip-merges.txt");
  }));
  stages.push_back(measure("clip_512_candidates_warm_cache", 20, clip_step));

  // GPT-2 on varied text: 2,000 distinct sentences (cold then warm cache).
  std::vector<std::string> sentences;
  for (int i = 0; i < 2000; ++i) {
    sentences.push_back("In clip " + std::to_string(i) + ", a woman slices " + std::to_string(i * 31 % 17) +
                        " tomatoes in the kitchen while a child watches; it's the " + std::to_string(i) + "th take.");
  }
  auto gpt2_run = [&] {
    for (const std::string& s : sentences) total_ids += gpt2.encode(s).size();
  };
  stages.push_back(measure("gpt2_2000_sentences_cold_cache", 3, gpt2_run, [&] {
    gpt2 = Gpt2Tokenizer::load(dir / "gpt2-vocab.json", dir / "gpt2-merges.txt");
  }));
  stages.push_back(measure("gpt2_2000_sentences_warm_cache", 10, gpt2_run));
  print(stages);
  std::fprintf(stderr, "(%zu ids in all)\n", total_ids);
  return 0;
}
