#include "models/registry.h"

#include <gtest/gtest.h>

#include "vidscribe/error.h"

namespace vidscribe::models {
namespace {

std::vector<std::string> names_of(const std::vector<const ModelInfo*>& models) {
  std::vector<std::string> out;
  for (const ModelInfo* m : models) out.push_back(m->name);
  return out;
}

TEST(Registry, KnownModelsMapToTheirHubRepositories) {
  std::vector<std::pair<std::string, std::string>> expected = {
      {"clip-vit-b-32", "openai/clip-vit-base-patch32"}, {"clip-vit-b-16", "openai/clip-vit-base-patch16"},
      {"clip-vit-l-14", "openai/clip-vit-large-patch14"}, {"gpt2", "gpt2"},
      {"gpt2-medium", "gpt2-medium"},                    {"gpt2-large", "gpt2-large"}};
  ASSERT_EQ(known_models().size(), expected.size());
  for (const auto& [name, repo] : expected) {
    const ModelInfo* m = find_model(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->repo_id, repo);
  }
  EXPECT_EQ(find_model("gpt3"), nullptr);
}

TEST(Registry, EachModelListsExactlyTheFilesItsLoaderReads) {
  std::vector<std::string> clip = {"config.json", "model.safetensors", "preprocessor_config.json", "vocab.json",
                                   "merges.txt"};
  std::vector<std::string> gpt2 = {"config.json", "model.safetensors", "vocab.json", "merges.txt"};
  for (const ModelInfo& m : known_models()) {
    EXPECT_EQ(m.files, m.kind == ModelKind::kClip ? clip : gpt2) << m.name;
    EXPECT_EQ(m.kind == ModelKind::kClip, m.name.rfind("clip-", 0) == 0) << m.name;
  }
}

TEST(Registry, PresetsNameAClipAndAGpt2) {
  const Preset* paper = find_preset("paper");
  ASSERT_NE(paper, nullptr);
  EXPECT_EQ(paper->clip, "clip-vit-l-14");
  EXPECT_EQ(paper->gpt2, "gpt2-medium");
  const Preset* fast = find_preset("fast");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(fast->clip, "clip-vit-b-32");
  EXPECT_EQ(fast->gpt2, "gpt2");
  EXPECT_EQ(kDefaultPreset, "paper");
  for (const Preset& p : presets()) {
    ASSERT_NE(find_model(p.clip), nullptr);
    EXPECT_EQ(find_model(p.clip)->kind, ModelKind::kClip);
    ASSERT_NE(find_model(p.gpt2), nullptr);
    EXPECT_EQ(find_model(p.gpt2)->kind, ModelKind::kGpt2);
  }
}

TEST(Registry, ExpandNamesDefaultsToPaperAndDropsDuplicates) {
  EXPECT_EQ(names_of(expand_model_names({})), (std::vector<std::string>{"clip-vit-l-14", "gpt2-medium"}));
  EXPECT_EQ(names_of(expand_model_names({"fast", "gpt2", "gpt2-large"})),
            (std::vector<std::string>{"clip-vit-b-32", "gpt2", "gpt2-large"}));
}

TEST(Registry, ExpandUnknownNameListsTheKnownOnes) {
  try {
    expand_model_names({"gpt-5"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("gpt-5"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("clip-vit-l-14"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fast"), std::string::npos);
  }
}

}  // namespace
}  // namespace vidscribe::models
