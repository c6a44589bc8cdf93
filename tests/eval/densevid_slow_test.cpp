// Full-size parity: val_2 rewritten as a submission, scored against val_1 (4917 videos, both profiles).
#include "eval/densevid.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "densevid_parity.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

TEST(DenseVidParitySlow, Val2AsPredictions2018) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run({"anet/val_1.json"}, "predictions/val2_as_pred.json", Profile::k2018);
  expect_exact(got, expected().at("val2_as_pred__vs__val_1").at("2018"));
}

TEST(DenseVidParitySlow, Val2AsPredictions2021) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run({"anet/val_1.json"}, "predictions/val2_as_pred.json", Profile::k2021);
  expect_exact(got, expected().at("val2_as_pred__vs__val_1").at("2021"));
}

}  // namespace
}  // namespace vidscribe::eval
