// vidscribe embed-text / embed-image / generate against golden/e2e/expected.json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>

#include "support/support.h"

namespace vidscribe {
namespace {
using testing::RunResult;
using testing::shell_quote;

RunResult vidscribe(const std::string& args) { return testing::run_vidscribe("--threads 1 " + args); }

nlohmann::json expected() {
  return nlohmann::json::parse(testing::slurp(testing::golden_dir() / "e2e" / "expected.json"));
}

std::string clip_dir() { return shell_quote((testing::golden_dir() / "tiny-clip").string()); }
std::string gpt2_dir() { return shell_quote((testing::golden_dir() / "tiny-gpt2").string()); }

TEST(EmbedTextCli, MatchesReferenceEmbeddings) {
  const nlohmann::json want = expected()["texts"];
  std::string args = "embed-text --clip " + clip_dir();
  std::vector<std::string> texts;
  for (const auto& [text, vec] : want.items()) {
    texts.push_back(text);
    args += " " + shell_quote(text);
  }
  RunResult r = vidscribe(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json got = nlohmann::json::parse(r.out);
  ASSERT_EQ(got["embeddings"].size(), texts.size());
  EXPECT_EQ(got["dim"], 32);
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& e = got["embeddings"][i];
    EXPECT_EQ(e["text"], texts[i]);
    const auto& ref = want[texts[i]];
    ASSERT_EQ(e["vector"].size(), ref.size());
    for (size_t j = 0; j < ref.size(); ++j) {
      EXPECT_NEAR(e["vector"][j].get<double>(), ref[j].get<double>(), 1e-5) << texts[i] << " [" << j << "]";
    }
  }
}

// Cosine of each image's embedding with the reference (resamplers differ: direction, not equality).
void expect_images_match(const std::vector<std::string>& names) {
  const nlohmann::json want = expected()["images"];
  std::string args = "embed-image --clip " + clip_dir();
  for (const auto& name : names) args += " " + shell_quote((testing::golden_dir() / "e2e" / name).string());
  RunResult r = vidscribe(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json got = nlohmann::json::parse(r.out);
  ASSERT_EQ(got["embeddings"].size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& v = got["embeddings"][i]["vector"];
    const auto& ref = want[names[i]];
    ASSERT_EQ(v.size(), ref.size());
    double dot = 0, nv = 0, nr = 0;
    for (size_t j = 0; j < ref.size(); ++j) {
      dot += v[j].get<double>() * ref[j].get<double>();
      nv += v[j].get<double>() * v[j].get<double>();
      nr += ref[j].get<double>() * ref[j].get<double>();
    }
    EXPECT_GT(dot / std::sqrt(nv * nr), 0.999) << names[i];
  }
}

TEST(EmbedImageCli, RgbImagesMatchReferenceEmbeddingsInDirection) {
  expect_images_match({"smpte.png", "mandel.png"});
}

// life.png is a 1-bit PNG. OpenAI's pipeline resizes before converting to RGB, and PIL resizes mode "1" and
// "P" images with NEAREST, not bicubic (bicubic here gives cosine 0.99875); the media stage follows that rule.
TEST(EmbedImageCli, OneBitImageMatchesReferenceEmbeddingInDirection) { expect_images_match({"life.png"}); }

TEST(GenerateCli, GreedyIdsAndTextMatchReference) {
  // A named copy: iterating items() of a temporary's member would read freed memory (ASan).
  const nlohmann::json all = expected();
  for (const auto& [prompt, ref] : all["greedy"].items()) {
    const size_t n = ref["ids"].size();
    RunResult r = vidscribe("generate --lm " + gpt2_dir() + " " + shell_quote(prompt) + " -n " + std::to_string(n) +
                            " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json got = nlohmann::json::parse(r.out);
    EXPECT_EQ(got["ids"], ref["ids"]) << prompt;
    EXPECT_EQ(got["text"], ref["text"]) << prompt;
    // Plain output is the prompt followed by the continuation.
    RunResult plain = vidscribe("generate --lm " + gpt2_dir() + " " + shell_quote(prompt) + " -n " +
                                std::to_string(n));
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(plain.out, prompt + ref["text"].get<std::string>() + "\n");
  }
}

TEST(ModelCli, BadModelFolderIsOneClearLine) {
  testing::TempDir tmp;
  RunResult r = vidscribe("embed-text --clip " + shell_quote(tmp.path().string()) + " hello");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  r = vidscribe("generate --lm " + clip_dir() + " hello");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("model_type is 'clip'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vidscribe
