// Helpers shared by the fast and the slow parity tests against the official scorer's numbers.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/densevid.h"
#include "support/support.h"

namespace vidscribe::eval {

inline std::filesystem::path evaldata() { return testing::shared_dir() / "evaldata"; }

inline nlohmann::json expected() {
  return nlohmann::json::parse(testing::slurp(evaldata() / "expected/official_scorer_outputs.json"));
}

// Exact metrics within 1e-9 of the official numbers, per tIoU and averaged.
inline void expect_exact(const EvalResult& got, const nlohmann::json& want) {
  for (const char* m : {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr", "Recall", "Precision"}) {
    const auto& w = want.at("per_tiou").at(m);
    ASSERT_EQ(got.per_tiou.at(m).size(), w.size()) << m;
    for (size_t t = 0; t < w.size(); ++t)
      EXPECT_NEAR(got.per_tiou.at(m)[t], w[t].get<double>(), 1e-9) << m << " at tIoU " << got.tious[t];
    EXPECT_NEAR(got.average.at(m), want.at("avg_over_tious").at(m).get<double>(), 1e-9) << m << " average";
  }
}

inline EvalResult run(const std::vector<std::string>& refs, const std::string& pred, Profile profile) {
  std::vector<ReferenceFile> r;
  for (const auto& f : refs) r.push_back(load_references(evaldata() / f));
  EvalOptions opt;
  opt.profile = profile;
  return evaluate(r, load_submission(evaldata() / pred), opt);
}

}  // namespace vidscribe::eval
