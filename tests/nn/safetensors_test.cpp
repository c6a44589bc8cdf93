#include "nn/safetensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "nn/weights.h"
#include "support/support.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file with the given header JSON and `data_bytes` bytes of data.
std::string make_file(const std::string& header, size_t data_bytes) {
  return le64(header.size()) + header + std::string(data_bytes, '\x01');
}

// Expects opening `content` to fail with kCorruptModel and a message containing `needle`.
void expect_corrupt(const std::string& content, const std::string& needle) {
  testing::TempDir tmp;
  util::write_file_atomic(tmp / "m.safetensors", content);
  try {
    SafeTensors st(tmp / "m.safetensors");
    FAIL() << "accepted a bad file; expected: " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SafeTensors, RoundTripConvertsDtypes) {
  testing::TempDir tmp;
  auto a = torch::arange(12, torch::kFloat32).reshape({3, 4}) / 7.0;
  auto h = a.to(torch::kFloat16);
  auto b = a.to(torch::kBFloat16);
  auto i = torch::arange(5, torch::kInt64);
  write_safetensors(tmp / "t.safetensors", {{"a", a}, {"h", h}, {"b", b}, {"i", i}});
  SafeTensors st(tmp / "t.safetensors");
  EXPECT_EQ(st.tensors().size(), 4u);
  EXPECT_TRUE(torch::equal(st.load("a", torch::kFloat32), a));
  EXPECT_TRUE(torch::equal(st.load("h", torch::kFloat32), h.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(st.load("b", torch::kFloat32), b.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(st.load("i", torch::kInt64), i));
  EXPECT_EQ(st.info("h").dtype, "F16");
}

TEST(SafeTensors, ReadsTheGoldenModels) {
  auto path = testing::golden_dir() / "tiny-gpt2" / "model.safetensors";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no golden data at " << path;
  SafeTensors st(path);
  EXPECT_TRUE(st.contains("wte.weight"));
  EXPECT_EQ(st.info("wte.weight").shape, (std::vector<int64_t>{50257, 32}));
}

TEST(SafeTensors, RejectsMalformedFiles) {
  expect_corrupt("", "shorter than");
  expect_corrupt("abc", "shorter than");
  expect_corrupt(le64(1ull << 40), "exceeds the limit");
  expect_corrupt(le64(100) + "{}", "past the end");
  expect_corrupt(make_file("{not json", 0), "not valid JSON");
  expect_corrupt(make_file("[1,2]", 0), "not a JSON object");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "past the data section");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12");
  expect_corrupt(make_file(R"({"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8), "unsupported dtype");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "negative");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "reversed");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2]}})", 8), "data_offsets");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", 8),
                 "overflow");
  expect_corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           12),
                 "overlap");
}

TEST(SafeTensors, MissingFileIsNotFound) {
  try {
    SafeTensors st("/nonexistent/model.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

struct TwoLinearsImpl : torch::nn::Module {
  TwoLinearsImpl() {
    a = register_module("a", torch::nn::Linear(3, 2));
    b = register_module("b", torch::nn::Linear(2, 2));
  }
  torch::nn::Linear a{nullptr}, b{nullptr};
};

TEST(LoadWeights, ByNameWithShapeMessages) {
  testing::TempDir tmp;
  TwoLinearsImpl m;
  std::map<std::string, torch::Tensor> good = {{"model.a.weight", torch::ones({2, 3})},
                                               {"model.a.bias", torch::full({2}, 2.0)},
                                               {"model.b.weight", torch::full({2, 2}, 3.0)},
                                               {"model.b.bias", torch::full({2}, 4.0)},
                                               {"model.b.position_ids", torch::arange(2)}};
  write_safetensors(tmp / "good.safetensors", good);
  LoadOptions opt;
  opt.strip_prefixes = {"model."};
  opt.ignore_suffixes = {"position_ids"};
  opt.model_description = "the test model";
  load_weights(m, SafeTensors(tmp / "good.safetensors"), opt);
  EXPECT_TRUE(torch::equal(m.b->weight, torch::full({2, 2}, 3.0)));
  EXPECT_FALSE(m.a->weight.requires_grad());

  auto bad_shape = good;
  bad_shape["model.b.weight"] = torch::ones({2, 5});
  write_safetensors(tmp / "shape.safetensors", bad_shape);
  try {
    load_weights(m, SafeTensors(tmp / "shape.safetensors"), opt);
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("model.b.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 5]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 2]"), std::string::npos) << msg;
  }

  auto missing = good;
  missing.erase("model.a.bias");
  write_safetensors(tmp / "missing.safetensors", missing);
  try {
    load_weights(m, SafeTensors(tmp / "missing.safetensors"), opt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a.bias"), std::string::npos) << e.what();
  }

  auto extra = good;
  extra["model.c.weight"] = torch::ones({1});
  write_safetensors(tmp / "extra.safetensors", extra);
  try {
    load_weights(m, SafeTensors(tmp / "extra.safetensors"), opt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.c.weight"), std::string::npos) << e.what();
  }
}

// One NaN or infinity in a weight: refused at load, naming the tensor (it once made embed-text print null).
TEST(LoadWeights, NonFiniteWeightsAreRefused) {
  testing::TempDir tmp;
  TwoLinearsImpl m;
  LoadOptions opt;
  opt.strip_prefixes = {"model."};
  opt.ignore_suffixes = {"position_ids"};
  for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
    auto b = torch::full({2, 2}, 3.0);
    b[1][0] = bad;
    write_safetensors(tmp / "nan.safetensors", {{"model.a.weight", torch::ones({2, 3})},
                                                {"model.a.bias", torch::full({2}, 2.0)},
                                                {"model.b.weight", b},
                                                {"model.b.bias", torch::full({2}, 4.0)}});
    try {
      load_weights(m, SafeTensors(tmp / "nan.safetensors"), opt);
      FAIL() << "loaded a non-finite weight";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruptModel);
      EXPECT_NE(std::string(e.what()).find("model.b.weight"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace vidscribe::nn
