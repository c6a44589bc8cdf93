// Full-size parity: val_2 rewritten as a submission, scored against val_1 (4917 videos, both profiles).
#include "eval/densevid.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

std::filesystem::path evaldata() { return testing::shared_dir() / "evaldata"; }

nlohmann::json expected() {
  return nlohmann::json::parse(testing::slurp(evaldata() / "expected/official_scorer_outputs.json"));
}

// Exact metrics within 1e-9 of the official numbers, per tIoU and averaged.
void expect_exact(const EvalResult& got, const nlohmann::json& want) {
  for (const char* m : {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr", "Recall", "Precision"}) {
    const auto& w = want.at("per_tiou").at(m);
    ASSERT_EQ(got.per_tiou.at(m).size(), w.size()) << m;
    for (size_t t = 0; t < w.size(); ++t)
      EXPECT_NEAR(got.per_tiou.at(m)[t], w[t].get<double>(), 1e-9) << m << " at tIoU " << got.tious[t];
    EXPECT_NEAR(got.average.at(m), want.at("avg_over_tious").at(m).get<double>(), 1e-9) << m << " average";
  }
}

EvalResult run(const std::vector<std::string>& refs, const std::string& pred, Profile profile) {
  std::vector<ReferenceFile> r;
  for (const auto& f : refs) r.push_back(load_references(evaldata() / f));
  EvalOptions opt;
  opt.profile = profile;
  return evaluate(r, load_submission(evaldata() / pred), opt);
}

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
