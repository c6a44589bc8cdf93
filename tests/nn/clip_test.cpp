#include "nn/models/clip.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model_test_util.h"
#include "nn/safetensors.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {
namespace fs = std::filesystem;
using test::max_abs_diff;
using test::npy_tensor;

constexpr int64_t kStart = 49406, kEnd = 49407;

fs::path tiny_dir() { return testing::golden_dir() / "tiny-clip"; }

ClipModel load_tiny() {
  return load_clip_model(tiny_dir(), ClipConfig::from_json(tiny_dir() / "config.json"), torch::kCPU);
}

void expect_error(const std::function<void()>& fn, ErrorCode code, const std::string& needle) {
  try {
    fn();
    FAIL() << "no error; expected one mentioning: " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// ids [L] -> [1, 77] padded with 0.
torch::Tensor padded(const std::vector<int64_t>& ids) {
  torch::Tensor row = torch::zeros({1, 77}, torch::kLong);
  for (size_t i = 0; i < ids.size(); ++i) row[0][static_cast<int64_t>(i)] = ids[i];
  return row;
}

TEST(ClipConfig, ReadsTinyConfigs) {
  ClipConfig c = ClipConfig::from_json(tiny_dir() / "config.json");
  EXPECT_EQ(c.projection_dim, 32);
  EXPECT_EQ(c.text.hidden_size, 64);
  EXPECT_EQ(c.text.num_hidden_layers, 2);
  EXPECT_EQ(c.text.max_position_embeddings, 77);
  EXPECT_EQ(c.vision.hidden_size, 128);
  EXPECT_EQ(c.vision.image_size, 32);
  EXPECT_EQ(c.vision.patch_size, 8);
  EXPECT_EQ(c.vision.hidden_act, "quick_gelu");
  ClipPreprocessConfig p = ClipPreprocessConfig::from_json(tiny_dir() / "preprocessor_config.json");
  EXPECT_EQ(p.image_size, 32);
  EXPECT_EQ(p.shortest_edge, 32);
  EXPECT_FLOAT_EQ(p.mean[0], 0.48145466f);
  EXPECT_FLOAT_EQ(p.std[2], 0.27577711f);
}

TEST(Clip, ImageEmbeddingsMatchReference) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  torch::Tensor pixels = npy_tensor(tiny_dir() / "pixel_values.npy", torch::kFloat32);
  torch::Tensor expected = npy_tensor(tiny_dir() / "image_embeds.npy", torch::kFloat32);
  torch::Tensor got = model->encode_image(pixels);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_LT(max_abs_diff(got, expected), 1e-5);
  // Batching does not change a row.
  EXPECT_LT(max_abs_diff(model->encode_image(pixels.narrow(0, 1, 1)), expected.narrow(0, 1, 1)), 1e-5);
}

TEST(Clip, TextEmbeddingsAndLogitsMatchReference) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids.npy", torch::kLong);  // [4, 77]
  torch::Tensor expected = npy_tensor(tiny_dir() / "text_embeds.npy", torch::kFloat32);
  torch::Tensor text = model->encode_text(ids);
  ASSERT_EQ(text.sizes(), expected.sizes());
  EXPECT_LT(max_abs_diff(text, expected), 1e-5);
  // A short row alone (only up to its end token is computed) equals its row in the full batch.
  EXPECT_LT(max_abs_diff(model->encode_text(ids.narrow(0, 2, 1)), expected.narrow(0, 2, 1)), 1e-5);

  torch::Tensor image = model->encode_image(npy_tensor(tiny_dir() / "pixel_values.npy", torch::kFloat32));
  torch::Tensor logits = model->logits_per_image(image, text);
  torch::Tensor expected_logits = npy_tensor(tiny_dir() / "logits_per_image.npy", torch::kFloat32);
  ASSERT_EQ(logits.sizes(), expected_logits.sizes());
  EXPECT_LT(max_abs_diff(logits, expected_logits), 1e-5);
}

// method.md section 7: a shared prefix run once, then only each candidate's tail, equals the full encoding.
TEST(Clip, PrefixAndTailsEqualFullEncoding) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> prefix_ids = {kStart, 320, 1125, 539, 320};  // "a photo of a"
  const std::vector<std::vector<int64_t>> tails = {
      {2368, kEnd},          // cat
      {1929, 2368, kEnd},    // a longer tail, re-tokenised last word
      {kEnd},                // nothing but the end token
      {320, 1125, 539, 320, 2368, 530, 518, 3618, kEnd},
  };
  const int64_t lt = 9;
  torch::Tensor tail_ids = torch::zeros({4, lt}, torch::kLong);
  torch::Tensor lengths = torch::zeros({4}, torch::kLong);
  torch::Tensor full = torch::zeros({4, 77}, torch::kLong);
  for (int64_t i = 0; i < 4; ++i) {
    std::vector<int64_t> all = prefix_ids;
    for (size_t j = 0; j < tails[i].size(); ++j) {
      tail_ids[i][static_cast<int64_t>(j)] = tails[i][j];
      all.push_back(tails[i][j]);
    }
    lengths[i] = static_cast<int64_t>(tails[i].size());
    full[i] = padded(all)[0];
  }
  ClipTextPrefix prefix = model->encode_text_prefix(torch::tensor(prefix_ids, torch::kLong));
  EXPECT_EQ(prefix.length(), 5);
  ASSERT_EQ(prefix.keys.size(), 2u);
  EXPECT_EQ(prefix.keys[0].sizes(), torch::IntArrayRef({1, 2, 5, 32}));
  torch::Tensor from_tails = model->encode_text_tails(prefix, tail_ids, lengths);
  torch::Tensor from_full = model->encode_text(full);
  ASSERT_EQ(from_tails.sizes(), torch::IntArrayRef({4, 32}));
  EXPECT_LT(max_abs_diff(from_tails, from_full), 1e-5);
  // The prefix is not a no-op: the same tails after another prefix give other embeddings.
  ClipTextPrefix other = model->encode_text_prefix(torch::tensor(std::vector<int64_t>{kStart, 320}, torch::kLong));
  EXPECT_GT(max_abs_diff(model->encode_text_tails(other, tail_ids, lengths), from_full), 1e-3);
}

// The first n positions of a prefix's keys and values serve as the prefix of those n tokens (causality),
// so one run serves candidates that share all of it and those that share only its first words.
TEST(Clip, FirstPositionsOfAPrefixAreThePrefixOfThoseTokens) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> whole = {kStart, 320, 1125, 539, 320};  // "a photo of a"
  ClipTextPrefix long_prefix = model->encode_text_prefix(torch::tensor(whole, torch::kLong));
  ClipTextPrefix three = long_prefix.first(3);
  EXPECT_EQ(three.length(), 3);
  torch::Tensor tails = torch::tensor(std::vector<int64_t>{539, 2368, kEnd, 1929, kEnd, 0}, torch::kLong).reshape({2, 3});
  torch::Tensor lengths = torch::tensor({3, 2}, torch::kLong);
  torch::Tensor full = torch::cat({padded({kStart, 320, 1125, 539, 2368, kEnd}), padded({kStart, 320, 1125, 1929, kEnd})});
  EXPECT_LT(max_abs_diff(model->encode_text_tails(three, tails, lengths), model->encode_text(full)), 1e-5);
  // The whole prefix would give other embeddings for the same tails.
  EXPECT_GT(max_abs_diff(model->encode_text_tails(long_prefix, tails, lengths), model->encode_text(full)), 1e-3);
}

TEST(Clip, TailsOfGoldenTextsEqualGoldenEmbeddings) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids.npy", torch::kLong);  // [4, 77]
  torch::Tensor expected = npy_tensor(tiny_dir() / "text_embeds.npy", torch::kFloat32);
  // "a man is playing the guitar on stage." split after its third token.
  torch::Tensor row = ids[1];
  const int64_t end = row.argmax().item<int64_t>();
  ClipTextPrefix prefix = model->encode_text_prefix(row.narrow(0, 0, 3));
  torch::Tensor tail = row.narrow(0, 3, end - 2).unsqueeze(0);
  torch::Tensor got = model->encode_text_tails(prefix, tail, torch::tensor({end - 2}, torch::kLong));
  EXPECT_LT(max_abs_diff(got, expected.narrow(0, 1, 1)), 1e-5);
}

TEST(Clip, RejectsBadShapes) {
  ClipModel model = load_tiny();
  torch::NoGradGuard no_grad;
  expect_error([&] { model->encode_image(torch::zeros({1, 3, 224, 224})); }, ErrorCode::kInvalidArgument,
               "[B, 3, 32, 32]");
  expect_error([&] { model->encode_text(torch::zeros({1, 78}, torch::kLong)); }, ErrorCode::kInvalidArgument,
               "L <= 77");
  ClipTextPrefix prefix = model->encode_text_prefix(torch::full({70}, kStart, torch::kLong));
  expect_error([&] { model->encode_text_tails(prefix, torch::zeros({2, 8}, torch::kLong), torch::ones({2}, torch::kLong)); },
               ErrorCode::kInvalidArgument, "exceeds max_position_embeddings 77");
  expect_error([&] { model->encode_text_tails(prefix, torch::zeros({2, 3}, torch::kLong), torch::full({2}, 4, torch::kLong)); },
               ErrorCode::kInvalidArgument, "lengths");
}

TEST(ClipLoad, MissingFolderOrFileIsNamed) {
  ClipConfig config = ClipConfig::from_json(tiny_dir() / "config.json");
  expect_error([&] { load_clip_model("/nonexistent/clip", config, torch::kCPU); }, ErrorCode::kNotFound,
               "/nonexistent/clip");
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "model.safetensors");
  expect_error([&] { load_clip_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kNotFound, "model.safetensors");
  expect_error([&] { ClipPreprocessConfig::from_json(tmp / "none.json"); }, ErrorCode::kNotFound, "none.json");
}

TEST(ClipLoad, WrongModelTypeConfigIsRejected) {
  fs::path gpt2_config = testing::golden_dir() / "tiny-gpt2" / "config.json";
  expect_error([&] { ClipConfig::from_json(gpt2_config); }, ErrorCode::kCorruptModel, "model_type is 'gpt2'");
}

TEST(ClipLoad, MisShapedOrUnknownWeightIsNamed) {
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "model.safetensors");
  SafeTensors golden(tiny_dir() / "model.safetensors");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, info] : golden.tensors()) {
    tensors[name] = golden.load(name, info.dtype == "I64" ? torch::kLong : torch::kFloat32);
  }
  const ClipConfig config = ClipConfig::from_json(tmp / "m" / "config.json");
  auto bad = tensors;
  bad["vision_model.encoder.layers.1.mlp.fc1.weight"] = torch::zeros({512, 64});
  write_safetensors(tmp / "m" / "model.safetensors", bad);
  expect_error([&] { load_clip_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kCorruptModel,
               "'vision_model.encoder.layers.1.mlp.fc1.weight' has shape [512, 64] but CLIP");
  bad = tensors;
  bad["text_model.encoder.layers.2.mlp.fc1.weight"] = torch::zeros({256, 64});  // a third layer: wrong config
  write_safetensors(tmp / "m" / "model.safetensors", bad);
  expect_error([&] { load_clip_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kCorruptModel,
               "text_model.encoder.layers.2.mlp.fc1.weight");
  // The real checkpoints' position_ids buffers are tolerated, and with them gone the model still loads.
  bad = tensors;
  bad.erase("text_model.embeddings.position_ids");
  bad.erase("vision_model.embeddings.position_ids");
  write_safetensors(tmp / "m" / "model.safetensors", bad);
  EXPECT_NO_THROW(load_clip_model(tmp / "m", config, torch::kCPU));
}

TEST(ClipLoad, FullFolderWithTokenizer) {
  LoadedClip loaded = load_clip(tiny_dir(), torch::kCPU);
  EXPECT_EQ(loaded.preprocess.image_size, 32);
  EXPECT_EQ(loaded.config.projection_dim, 32);
  torch::Tensor golden_ids = npy_tensor(tiny_dir() / "input_ids.npy", torch::kLong);
  std::vector<int64_t> ids = loaded.tokenizer.encode_for_model("a photo of a cat");
  EXPECT_TRUE(padded(ids).equal(golden_ids.narrow(0, 0, 1)));
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(loaded.model->encode_text(padded(ids)),
                         npy_tensor(tiny_dir() / "text_embeds.npy", torch::kFloat32).narrow(0, 0, 1)), 1e-5);
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "merges.txt");
  expect_error([&] { load_clip(tmp / "m", torch::kCPU); }, ErrorCode::kNotFound, "merges.txt");
  test::copy_folder(tiny_dir(), tmp / "n", "preprocessor_config.json");
  expect_error([&] { load_clip(tmp / "n", torch::kCPU); }, ErrorCode::kNotFound, "preprocessor_config.json");
}

}  // namespace
}  // namespace vidscribe::nn
