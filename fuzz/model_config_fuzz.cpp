// config.json of CLIP and GPT-2 (types, ranges, nesting) and preprocessor_config.json.
#include "harness.h"
#include "nn/models/clip.h"
#include "nn/models/gpt2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = vidscribe::fuzz::as_file(std::string_view(reinterpret_cast<const char*>(data), size), "config.json");
  vidscribe::fuzz::run([&] { vidscribe::nn::ClipConfig::from_json(path); });
  vidscribe::fuzz::run([&] { vidscribe::nn::Gpt2Config::from_json(path); });
  vidscribe::fuzz::run([&] { vidscribe::nn::ClipPreprocessConfig::from_json(path); });
  return 0;
}
