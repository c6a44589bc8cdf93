// Parity with the official ActivityNet scorer's printed numbers, and the input checks.
#include "eval/densevid.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "densevid_parity.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

TEST(DenseVidParity, TinySample2018) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run({"predictions/tiny_val_1.json", "predictions/tiny_val_2.json"}, "predictions/tiny_sample.json",
                 Profile::k2018);
  expect_exact(got, expected().at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2018"));
  EXPECT_EQ(got.n_matched_videos, 10u);
}

TEST(DenseVidParity, TinySample2021) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run({"predictions/tiny_val_1.json", "predictions/tiny_val_2.json"}, "predictions/tiny_sample.json",
                 Profile::k2021);
  expect_exact(got, expected().at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2021"));
}

TEST(DenseVidParity, TinySampleAgainstFullValidationSets) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run({"anet/val_1.json", "anet/val_2.json"}, "predictions/tiny_sample.json", Profile::k2018);
  EXPECT_EQ(got.n_reference_videos, 4917u);  // val_2's videos are a subset of val_1's
  expect_exact(got, expected().at("tiny_sample__vs__val_1+val_2 (all 4926 GT videos)").at("2018"));
}

TEST(DenseVid, TiouFollowsTheOfficialFormula) {
  EXPECT_NEAR(tiou(0, 10, 5, 15), 5.0 / (15 + 1e-8), 1e-15);
  EXPECT_EQ(tiou(0, 1, 2, 3), 0.0);
  // Disjoint-looking reversed segment: union is the smaller of span and summed lengths.
  EXPECT_NEAR(tiou(0, 10, 0, 10), 10.0 / (10 + 1e-8), 1e-15);
}

TEST(DenseVid, PlantedMatchesGiveKnownRecallAndPrecision) {
  auto refs = parse_references(
      R"({"v1": {"duration": 20, "timestamps": [[0, 10], [10, 20]], "sentences": ["a man runs", "a dog sits"]},
          "v2": {"duration": 5, "timestamps": [[0, 5]], "sentences": ["nothing"]}})",
      "refs");
  auto sub = parse_submission(
      R"({"version": "1", "external_data": {}, "results": {"v1": [
           {"sentence": "a man runs", "timestamp": [0, 10]}, {"sentence": "x", "timestamp": [30, 40]}]}})",
      "sub");
  EvalOptions opt;
  opt.tious = {0.5};
  auto r = evaluate({refs}, sub, opt);
  // v1: one of two refs covered, one of two predictions valid; v2 has no predictions (0 for both).
  EXPECT_DOUBLE_EQ(r.per_tiou.at("Recall")[0], (0.5 + 0) / 2);
  EXPECT_DOUBLE_EQ(r.per_tiou.at("Precision")[0], (0.5 + 0) / 2);
  EXPECT_EQ(r.n_reference_videos, 2u);
}

TEST(DenseVid, MaxProposalsKeepsTheFirstInFileOrder) {
  auto sub = parse_submission(
      R"({"version": "1", "external_data": {}, "results": {"v": [
           {"sentence": "a", "timestamp": [0, 1]}, {"sentence": "b", "timestamp": [1, 2]},
           {"sentence": "c", "timestamp": [2, 3]}]}})",
      "sub", 2);
  ASSERT_EQ(sub.videos.at("v").size(), 2u);
  EXPECT_EQ(sub.videos.at("v")[1].sentence, "b");
}

void expect_invalid(const std::string& json, const std::string& fragment, bool submission = true) {
  try {
    if (submission) parse_submission(json, "f.json");
    else parse_references(json, "f.json");
    ADD_FAILURE() << "accepted: " << json;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(DenseVid, BadInputsHaveClearMessages) {
  expect_invalid("{not json", "not valid JSON");
  expect_invalid(R"({"results": {}, "version": "1"})", "missing key \"external_data\"");
  expect_invalid(R"({"results": [], "version": "1", "external_data": {}})", "\"results\" must be an object");
  expect_invalid(R"({"results": {"v": [{"sentence": "a", "timestamp": ["0", 1]}]}, "version": "1",
                     "external_data": {}})",
                 "two numbers");
  expect_invalid(R"({"results": {"v": [{"timestamp": [0, 1]}]}, "version": "1", "external_data": {}})",
                 "missing key \"sentence\"");
  expect_invalid(R"({"v": {"timestamps": [[0, 1]]}})", "missing key \"sentences\"", false);
  expect_invalid(R"({"v": {"timestamps": [[0, 1], [1, 2]], "sentences": ["a"]}})", "only 1 sentences", false);
  EXPECT_THROW(load_submission("/nonexistent/x.json"), Error);
}

TEST(DenseVid, ReversedEmptyAndUnknownAreAcceptedWithWarnings) {
  auto refs = parse_references(R"({"v": {"timestamps": [[0, 10]], "sentences": ["a b"]}})", "refs");
  auto sub = parse_submission(
      R"({"version": "1", "external_data": {}, "results": {"v": [{"sentence": "a b", "timestamp": [10, 0]}],
          "other": []}})",
      "sub");
  auto r = evaluate({refs}, sub, EvalOptions{});
  ASSERT_GE(r.warnings.size(), 3u);
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  EXPECT_NE(all.find("end before they start"), std::string::npos) << all;
  EXPECT_NE(all.find("empty list"), std::string::npos) << all;
  EXPECT_NE(all.find("in no reference file"), std::string::npos) << all;
  // A reversed segment has tIoU 0 with everything: recall 0, as in the official scorer.
  EXPECT_EQ(r.per_tiou.at("Recall")[0], 0.0);
}

}  // namespace
}  // namespace vidscribe::eval
