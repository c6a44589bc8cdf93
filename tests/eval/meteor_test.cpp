// METEOR 1.5 and SODA_c: parity with the official scorers' numbers, and planted cases of METEOR's rules.
#include "eval/meteor.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eval/densevid.h"
#include "eval/soda.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

std::filesystem::path evaldata() { return testing::shared_dir() / "evaldata"; }

const Meteor& meteor() {
  static const Meteor m(find_meteor_data_dir(), WordNet::default_dir());
  return m;
}

nlohmann::json expected() {
  return nlohmann::json::parse(testing::slurp(evaldata() / "expected/official_scorer_outputs.json"));
}

std::vector<ReferenceFile> tiny_refs() {
  return {load_references(evaldata() / "predictions/tiny_val_1.json"),
          load_references(evaldata() / "predictions/tiny_val_2.json")};
}

EvalResult run_with_meteor(const std::vector<ReferenceFile>& refs, const Submission& sub, Profile profile) {
  EvalOptions opt;
  opt.profile = profile;
  const Meteor* m = &meteor();
  opt.meteor = [m](const std::vector<std::pair<const std::string*, const std::string*>>& items) {
    return m->pooled_score(items);
  };
  return evaluate(refs, sub, opt);
}

void expect_meteor(const EvalResult& got, const nlohmann::json& want, double tol) {
  const auto& w = want.at("per_tiou").at("METEOR");
  ASSERT_EQ(got.per_tiou.at("METEOR").size(), w.size());
  for (size_t t = 0; t < w.size(); ++t)
    EXPECT_NEAR(got.per_tiou.at("METEOR")[t], w[t].get<double>(), tol) << "tIoU " << got.tious[t];
  EXPECT_NEAR(got.average.at("METEOR"), want.at("avg_over_tious").at("METEOR").get<double>(), tol);
}

TEST(MeteorParity, TinySample2018) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  auto got = run_with_meteor(tiny_refs(), load_submission(evaldata() / "predictions/tiny_sample.json"),
                             Profile::k2018);
  expect_meteor(got, expected().at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2018"), 1e-4);
  // Measured: equal to the official numbers up to rounding.
  expect_meteor(got, expected().at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2018"), 1e-12);
}

TEST(MeteorParity, TinySample2021AnySeed) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  // The random garbage word matches nothing, so the seed does not change METEOR here.
  for (uint64_t seed : {0, 7}) {
    EvalOptions opt;
    opt.profile = Profile::k2021;
    opt.seed = seed;
    const Meteor* m = &meteor();
    opt.meteor = [m](const auto& items) { return m->pooled_score(items); };
    auto got = evaluate(tiny_refs(), load_submission(evaldata() / "predictions/tiny_sample.json"), opt);
    expect_meteor(got, expected().at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2021"), 1e-12);
  }
}

TEST(SodaParity, TinySampleMergedAndMultiReference) {
  if (!std::filesystem::exists(evaldata())) GTEST_SKIP();
  const nlohmann::json all = expected();
  const auto& want = all.at("SODA_c (fujiso/SODA@9cb3e2c, METEOR base without paraphrase) [P,R,F1]");
  auto sub = load_submission(evaldata() / "predictions/tiny_sample.json");
  SodaResult merged = soda_c(tiny_refs(), sub, meteor());
  const auto& m = want.at("tiny_sample vs tiny_val_1+tiny_val_2, soda.py default (refs merged per video)");
  EXPECT_NEAR(merged.precision, m[0].get<double>(), 1e-12);
  EXPECT_NEAR(merged.recall, m[1].get<double>(), 1e-12);
  EXPECT_NEAR(merged.f1, m[2].get<double>(), 1e-12);
  EXPECT_EQ(merged.n_videos, 10u);
  SodaOptions mr;
  mr.multi_reference = true;
  SodaResult multi = soda_c(tiny_refs(), sub, meteor(), mr);
  const auto& w = want.at("tiny_sample vs tiny_val_1+tiny_val_2, soda.py --multi_reference");
  EXPECT_NEAR(multi.precision, w[0].get<double>(), 1e-12);
  EXPECT_NEAR(multi.recall, w[1].get<double>(), 1e-12);
  EXPECT_NEAR(multi.f1, w[2].get<double>(), 1e-12);
}

TEST(MeteorNormalize, FollowsMeteorsTokenizer) {
  std::unordered_map<std::string, int> prefixes{{"Mr", 1}, {"No", 2}};
  auto norm = [&](const char* s) { return meteor_normalize(s, prefixes); };
  EXPECT_EQ(norm("the end."), "the end .");
  EXPECT_EQ(norm("u.s. troops"), "us troops");           // dotted abbreviation loses its dots
  EXPECT_EQ(norm("mr. smith"), "mr. smith");             // a dot before a lower-case word stays
  EXPECT_EQ(norm("Mr. Smith"), "mr. smith");             // listed prefix
  EXPECT_EQ(norm("No. 5"), "no. 5");                     // numeric-only prefix before a number
  EXPECT_EQ(norm("No. Five"), "no . five");
  EXPECT_EQ(norm("a,b and 1,000"), "a , b and 1,000");  // commas split except inside numbers
  EXPECT_EQ(norm("it's"), "it 's");
  EXPECT_EQ(norm("rock-n-roll"), "rock n-roll");        // non-overlapping matches, as java.util.regex
  EXPECT_EQ(norm("abc123!@#"), "abc123 ! @ #");
  EXPECT_EQ(norm("wait... what"), "wait ... what");
  EXPECT_EQ(norm("  "), "");
  // Text beyond ASCII, as Java's Normalizer sees it: the no-break space PTBTokenizer writes into "7 1/2" is a
  // space; Latin letters stay in words; curly quotes fold; other symbols are split off; Java's lower case.
  EXPECT_EQ(norm("7\u00a01/2 meter"), "7 1 / 2 meter");
  EXPECT_EQ(norm("Caf\u00e9\u2019s"), "caf\u00e9 's");
  EXPECT_EQ(norm("\u201cHi\u201d"), "\" hi \"");
  EXPECT_EQ(norm("\u00c9COLE"), "\u00e9cole");
  EXPECT_EQ(norm("x\u2014y"), "x \u2014 y");
  EXPECT_EQ(norm("rock\u2013roll"), "rock - roll");  // the en dash is split off before it becomes "-"
  EXPECT_EQ(norm("bad \xff byte"), "bad \ufffd byte");
}

TEST(Meteor, IdenticalSentencesScoreOne) {
  EXPECT_DOUBLE_EQ(meteor().sentence_score("a man rides a bike", "a man rides a bike"), 1.0);
  EXPECT_EQ(meteor().sentence_score("", "a man"), 0.0);
  EXPECT_EQ(meteor().sentence_score("a man", ""), 0.0);
}

TEST(Meteor, SingleCandidateStemMatchCounts) {
  // "zorbs" / "zorbing": same Snowball stem, not in WordNet: one candidate, fixed before the search.
  MeteorStats s = meteor().stats("zorbs high", {"he was zorbing"});
  EXPECT_EQ(s.test_content[1], 1);
  EXPECT_EQ(s.test_total_matches, 1);
}

TEST(Meteor, TwoCandidateNonExactMatchAddsNothingWhenIsolated) {
  // "jumps" / "jumping": a stem AND a synonym candidate for one word pair. The search weighs non-exact matches
  // 0.5 into an int (adding 0), so an isolated pair loses to skipping it (one chunk fewer).
  MeteorStats s = meteor().stats("jumps high", {"he was jumping"});
  EXPECT_EQ(s.test_total_matches, 0);
  // Next to an exact match the chunk stays whole, so the same pair is kept.
  MeteorStats t = meteor().stats("a man jumps", {"a man jumping"});
  EXPECT_EQ(t.test_total_matches, 3);
  EXPECT_EQ(t.chunks, 1);
}

TEST(Meteor, SynonymsAndFunctionWords) {
  MeteorStats s = meteor().stats("the car", {"the automobile"});
  EXPECT_EQ(s.test_function[0], 1);  // "the" is a function word, matched exactly
  EXPECT_EQ(s.test_content[2], 1);   // car ~ automobile (WordNet synonyms)
  EXPECT_EQ(s.test_function_words, 1);
}

TEST(Meteor, PooledScoreSumsStatisticsNotScores) {
  std::string h1 = "a man rides a bike", r1 = "a man rides a bike", h2 = "dogs bark", r2 = "a cat sleeps on a mat";
  MeteorStats sum;
  sum += meteor().stats(h1, {r1});
  sum += meteor().stats(h2, {r2});
  const double pooled = meteor().pooled_score({{&h1, &r1}, {&h2, &r2}});
  EXPECT_DOUBLE_EQ(pooled, meteor().score(sum));
  const double mean = (meteor().sentence_score(h1, r1) + meteor().sentence_score(h2, r2)) / 2;
  EXPECT_GT(std::abs(pooled - mean), 1e-3);
}

TEST(Meteor, PerfectItemAddsNoChunkToTheSum) {
  // MeteorStats.addStats: the one chunk of an item matched perfectly is left out of the sum (this is what
  // makes val2_as_pred's METEOR equal the official numbers).
  MeteorStats perfect = meteor().stats("a man rides a bike", {"a man rides a bike"});
  MeteorStats split = meteor().stats("bike a man rides", {"a man rides a bike"});
  ASSERT_EQ(perfect.chunks, 1);
  ASSERT_EQ(split.chunks, 2);
  MeteorStats sum;
  sum += perfect;
  sum += split;
  EXPECT_EQ(sum.chunks, 2);
  EXPECT_EQ(sum.test_total_matches, 9);
  sum += split;
  EXPECT_EQ(sum.chunks, 4);
}

TEST(Meteor, HypothesisBarsAreRemovedLikePycocoevalcap) {
  EXPECT_DOUBLE_EQ(meteor().sentence_score("a ||| man", "a man"), 1.0);
}

TEST(Soda, OrderPreservingMatching) {
  // Crossing pairs cannot both be taken: max(5 + 0, 4 + 4) = 8 on the diagonal; 5 alone loses.
  EXPECT_DOUBLE_EQ(order_preserving_max({{4, 5}, {0, 4}}), 8.0);
  EXPECT_DOUBLE_EQ(order_preserving_max({{0, 5}, {5, 0}}), 5.0);
  EXPECT_DOUBLE_EQ(order_preserving_max({}), 0.0);
}

TEST(Meteor, MissingWordListsAreAClearError) {
  EXPECT_THROW(Meteor("/nonexistent", WordNet::default_dir()), Error);
}

}  // namespace
}  // namespace vidscribe::eval
