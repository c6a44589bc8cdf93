#include "nn/models/gpt2.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model_test_util.h"
#include "nn/safetensors.h"
#include "support/support.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {
namespace fs = std::filesystem;
using test::max_abs_diff;
using test::npy_tensor;

fs::path tiny_dir() { return testing::golden_dir() / "tiny-gpt2"; }

Gpt2 load_tiny() {
  return load_gpt2_model(tiny_dir(), Gpt2Config::from_json(tiny_dir() / "config.json"), torch::kCPU);
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

TEST(Gpt2Config, ReadsTinyConfig) {
  Gpt2Config c = Gpt2Config::from_json(tiny_dir() / "config.json");
  EXPECT_EQ(c.vocab_size, 50257);
  EXPECT_EQ(c.n_positions, 128);
  EXPECT_EQ(c.n_embd, 32);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 2);
  EXPECT_EQ(c.activation_function, "gelu_new");
}

TEST(Gpt2, LogitsMatchReference) {
  Gpt2 model = load_tiny();
  torch::NoGradGuard no_grad;
  for (const char* n : {"0", "1"}) {
    torch::Tensor ids = npy_tensor(tiny_dir() / ("input_ids_" + std::string(n) + ".npy"), torch::kLong);
    torch::Tensor expected = npy_tensor(tiny_dir() / ("logits_" + std::string(n) + ".npy"), torch::kFloat32);
    torch::Tensor logits = model->forward_ids(ids);
    ASSERT_EQ(logits.sizes(), expected.sizes());
    EXPECT_LT(max_abs_diff(logits, expected), 1e-5) << "logits_" << n;
  }
}

TEST(Gpt2, IncrementalDecodingWithCacheEqualsFullForward) {
  Gpt2 model = load_tiny();
  torch::NoGradGuard no_grad;
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids_1.npy", torch::kLong);  // [1, 11]
  ids = torch::cat({ids, ids.flip(1)}, 0);                                      // a batch of two
  torch::Tensor full = model->forward_ids(ids);                                // [2, 11, V]
  KvCache cache;
  // A 4-token prompt, then one token at a time, then two at once.
  std::vector<torch::Tensor> parts;
  parts.push_back(model->forward_ids(ids.narrow(1, 0, 4), &cache));
  EXPECT_EQ(cache.length(), 4);
  for (int64_t t = 4; t < 9; ++t) parts.push_back(model->forward_ids(ids.narrow(1, t, 1), &cache));
  parts.push_back(model->forward_ids(ids.narrow(1, 9, 2), &cache));
  EXPECT_EQ(cache.length(), 11);
  ASSERT_EQ(cache.keys.size(), 2u);
  EXPECT_EQ(cache.keys[0].sizes(), torch::IntArrayRef({2, 2, 11, 16}));
  EXPECT_LT(max_abs_diff(torch::cat(parts, 1), full), 1e-5);
}

TEST(Gpt2, ForwardFromEmbeddingsEqualsForwardFromIds) {
  Gpt2 model = load_tiny();
  torch::NoGradGuard no_grad;
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids_0.npy", torch::kLong);
  torch::Tensor embeds = model->embed(ids);
  EXPECT_EQ(embeds.sizes(), torch::IntArrayRef({1, 3, 32}));
  EXPECT_LT(max_abs_diff(model->forward(embeds), model->forward_ids(ids)), 1e-7);
  torch::Tensor hidden = model->hidden_states(embeds);
  EXPECT_LT(max_abs_diff(model->lm_head(hidden.select(1, 2)), model->forward(embeds).select(1, 2)), 1e-6);
}

TEST(Gpt2, WeightsAreFrozenAndGradientsReachInputEmbeddings) {
  Gpt2 model = load_tiny();
  for (const auto& p : model->parameters()) EXPECT_FALSE(p.requires_grad());
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids_0.npy", torch::kLong);
  torch::Tensor embeds = model->embed(ids).detach().requires_grad_(true);
  model->forward(embeds).select(1, 2).logsumexp(-1).sum().backward();
  ASSERT_TRUE(embeds.grad().defined());
  EXPECT_GT(embeds.grad().abs().sum().item<double>(), 0.0);
  for (const auto& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
}

// The gradient of a loss of the last position's logits with respect to every input embedding, checked
// against central finite differences on a float64 copy of the model, with and without a KV cache prefix.
TEST(Gpt2, InputEmbeddingGradientsMatchFiniteDifferences) {
  Gpt2 model = load_tiny();
  model->to(torch::kFloat64);
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids_1.npy", torch::kLong);  // [1, 11]
  torch::Tensor target = torch::randint(0, 50257, {1}, torch::kLong);
  torch::Tensor prompt_ids = ids.narrow(1, 0, 5), tail_ids = ids.narrow(1, 5, 6);
  auto loss_of = [&](const torch::Tensor& tail_embeds) {
    KvCache cache;
    {
      torch::NoGradGuard no_grad;
      model->forward_ids(prompt_ids, &cache);
    }
    torch::Tensor logits = model->forward(tail_embeds, &cache).select(1, 5);  // [1, V]
    return torch::nn::functional::cross_entropy(logits, target);
  };
  torch::Tensor embeds = model->embed(tail_ids).detach().clone().requires_grad_(true);  // [1, 6, 32] f64
  loss_of(embeds).backward();
  torch::Tensor grad = embeds.grad();
  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  double max_err = 0, max_grad = 0;
  for (int64_t t = 0; t < 6; t += 1) {
    for (int64_t c = 0; c < 32; c += 5) {
      torch::Tensor plus = embeds.detach().clone(), minus = embeds.detach().clone();
      plus[0][t][c] += eps;
      minus[0][t][c] -= eps;
      const double fd = (loss_of(plus).item<double>() - loss_of(minus).item<double>()) / (2 * eps);
      const double g = grad[0][t][c].item<double>();
      max_err = std::max(max_err, std::abs(fd - g));
      max_grad = std::max(max_grad, std::abs(g));
    }
  }
  EXPECT_GT(max_grad, 1e-4);
  EXPECT_LT(max_err, 1e-6) << "largest gradient " << max_grad;
}

TEST(Gpt2, LoadsTransformerPrefixedHalfPrecisionCheckpoint) {
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "model.safetensors");
  SafeTensors golden(tiny_dir() / "model.safetensors");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, info] : golden.tensors()) {
    tensors["transformer." + name] = golden.load(name, torch::kFloat32).to(torch::kFloat16);
  }
  tensors["lm_head.weight"] = tensors["transformer.wte.weight"];
  tensors["transformer.h.0.attn.masked_bias"] = torch::tensor(-1e4);
  write_safetensors(tmp / "m" / "model.safetensors", tensors);
  Gpt2 half = load_gpt2_model(tmp / "m", Gpt2Config::from_json(tmp / "m" / "config.json"), torch::kCPU);
  Gpt2 full = load_tiny();
  EXPECT_EQ(half->wte->weight.scalar_type(), torch::kFloat32);
  torch::NoGradGuard no_grad;
  torch::Tensor ids = npy_tensor(tiny_dir() / "input_ids_0.npy", torch::kLong);
  const double diff = max_abs_diff(half->forward_ids(ids), full->forward_ids(ids));
  EXPECT_GT(diff, 0.0);   // the F16 rounding is visible
  EXPECT_LT(diff, 0.05);  // but it is the same model
}

TEST(Gpt2Load, MissingFolderOrFileIsNamed) {
  Gpt2Config config = Gpt2Config::from_json(tiny_dir() / "config.json");
  expect_error([&] { load_gpt2_model("/nonexistent/gpt2", config, torch::kCPU); }, ErrorCode::kNotFound,
               "/nonexistent/gpt2");
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "model.safetensors");
  expect_error([&] { load_gpt2_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kNotFound, "model.safetensors");
  expect_error([&] { Gpt2Config::from_json(tmp / "none.json"); }, ErrorCode::kNotFound, "none.json");
}

TEST(Gpt2Load, WrongModelTypeConfigIsRejected) {
  fs::path clip_config = testing::golden_dir() / "tiny-clip" / "config.json";
  expect_error([&] { Gpt2Config::from_json(clip_config); }, ErrorCode::kCorruptModel, "model_type is 'clip'");
}

TEST(Gpt2Load, MisShapedWeightIsNamedWithBothShapes) {
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "model.safetensors");
  SafeTensors golden(tiny_dir() / "model.safetensors");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, info] : golden.tensors()) tensors[name] = golden.load(name, torch::kFloat32);
  tensors["h.1.mlp.c_fc.weight"] = tensors["h.1.mlp.c_fc.weight"].t().contiguous();  // [128, 32], not [32, 128]
  write_safetensors(tmp / "m" / "model.safetensors", tensors);
  Gpt2Config config = Gpt2Config::from_json(tmp / "m" / "config.json");
  expect_error([&] { load_gpt2_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kCorruptModel,
               "'h.1.mlp.c_fc.weight' has shape [128, 32] but GPT-2");
  tensors.erase("h.1.mlp.c_fc.weight");
  write_safetensors(tmp / "m" / "model.safetensors", tensors);
  expect_error([&] { load_gpt2_model(tmp / "m", config, torch::kCPU); }, ErrorCode::kCorruptModel,
               "h.1.mlp.c_fc.weight");
}

TEST(Gpt2, RejectsSequencesLongerThanPositions) {
  Gpt2 model = load_tiny();
  torch::NoGradGuard no_grad;
  KvCache cache;
  model->forward_ids(torch::zeros({1, 100}, torch::kLong), &cache);
  expect_error([&] { model->forward_ids(torch::zeros({1, 29}, torch::kLong), &cache); },
               ErrorCode::kInvalidArgument, "exceeds n_positions 128");
}

TEST(Gpt2Load, FullFolderWithTokenizer) {
  LoadedGpt2 loaded = load_gpt2(tiny_dir(), torch::kCPU);
  EXPECT_EQ(loaded.config.n_embd, 32);
  EXPECT_EQ(loaded.tokenizer.eos_id(), 50256);
  torch::Tensor golden_ids = npy_tensor(tiny_dir() / "input_ids_0.npy", torch::kLong);
  std::vector<int64_t> ids = loaded.tokenizer.encode("Image of a");
  ASSERT_EQ(torch::tensor(ids, torch::kLong).unsqueeze(0).sizes(), golden_ids.sizes());
  EXPECT_TRUE(torch::tensor(ids, torch::kLong).unsqueeze(0).equal(golden_ids));
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(loaded.model->forward_ids(golden_ids),
                         npy_tensor(tiny_dir() / "logits_0.npy", torch::kFloat32)), 1e-5);
  testing::TempDir tmp;
  test::copy_folder(tiny_dir(), tmp / "m", "vocab.json");
  expect_error([&] { load_gpt2(tmp / "m", torch::kCPU); }, ErrorCode::kNotFound, "vocab.json");
}

}  // namespace
}  // namespace vidscribe::nn
