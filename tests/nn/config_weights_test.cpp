// A config.json whose sizes do not match the weights is refused before any module is built: absurd sizes once
// allocated gigabytes or failed inside libtorch with its stack trace (exit 70).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>

#include "nn/models/clip.h"
#include "nn/models/gpt2.h"
#include "support/support.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {
namespace fs = std::filesystem;

// A copy of a golden model folder whose config.json `change` edits.
fs::path edited_copy(const testing::TempDir& tmp, const std::string& model,
                     const std::function<void(nlohmann::json&)>& change) {
  const fs::path from = testing::golden_dir() / model, to = tmp / model;
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) fs::copy(e.path(), to / e.path().filename());
  auto config = nlohmann::json::parse(testing::slurp(to / "config.json"));
  change(config);
  fs::remove(to / "config.json");
  util::write_file_atomic(to / "config.json", config.dump());
  return to;
}

std::string corrupt_model_message(const std::function<void()>& load) {
  try {
    load();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "loaded";
  return "";
}

TEST(ConfigAgainstWeights, AbsurdClipSizesAreRefusedBeforeBuilding) {
  if (!fs::exists(testing::golden_dir() / "tiny-clip")) GTEST_SKIP() << "no golden models";
  for (const auto& change : std::vector<std::function<void(nlohmann::json&)>>{
           [](nlohmann::json& c) { c["text_config"]["hidden_size"] = 1048576; },
           [](nlohmann::json& c) { c["text_config"]["num_hidden_layers"] = 20000; },
           [](nlohmann::json& c) { c["vision_config"]["hidden_size"] = 8192; },
           [](nlohmann::json& c) { c["vision_config"]["num_hidden_layers"] = 1; },
           [](nlohmann::json& c) { c["projection_dim"] = 4096; }}) {
    testing::TempDir tmp;
    const auto dir = edited_copy(tmp, "tiny-clip", change);
    const std::string message = corrupt_model_message([&] { load_clip(dir, torch::kCPU); });
    EXPECT_NE(message.find("does not match"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ConfigAgainstWeights, AbsurdGpt2SizesAreRefusedBeforeBuilding) {
  if (!fs::exists(testing::golden_dir() / "tiny-gpt2")) GTEST_SKIP() << "no golden models";
  for (const auto& change : std::vector<std::function<void(nlohmann::json&)>>{
           [](nlohmann::json& c) { c["n_embd"] = 8192; },
           [](nlohmann::json& c) { c["n_layer"] = 20000; },
           [](nlohmann::json& c) { c["n_layer"] = 1; },
           [](nlohmann::json& c) { c["n_positions"] = 1000000; },
           [](nlohmann::json& c) { c["n_inner"] = 1 << 20; }}) {
    testing::TempDir tmp;
    const auto dir = edited_copy(tmp, "tiny-gpt2", change);
    const std::string message = corrupt_model_message([&] { load_gpt2(dir, torch::kCPU); });
    EXPECT_NE(message.find("does not match"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace vidscribe::nn
