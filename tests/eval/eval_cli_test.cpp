// `vidscribe eval` end to end: table, JSON, options and the messages for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {

std::string data(const std::string& f) { return shell_quote((shared_dir() / "evaldata" / f).string()); }
std::string tiny_args() {
  return "eval --references " + data("predictions/tiny_val_1.json") + " " + data("predictions/tiny_val_2.json") +
         " --predictions " + data("predictions/tiny_sample.json");
}

TEST(EvalCli, JsonHasTheOfficialNumbers) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  RunResult r = run_vidscribe(tiny_args() + " --json --profile 2021");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  auto want = nlohmann::json::parse(slurp(shared_dir() / "evaldata/expected/official_scorer_outputs.json"))
                  .at("tiny_sample__vs__tiny_val_1+tiny_val_2")
                  .at("2021");
  EXPECT_EQ(j.at("profile"), "2021");
  for (const char* m : {"Bleu_4", "CIDEr", "ROUGE_L", "Recall", "Precision"})
    EXPECT_NEAR(j.at("metrics").at(m).at("average").get<double>(), want.at("avg_over_tious").at(m).get<double>(),
                1e-9)
        << m;
  EXPECT_EQ(j.at("videos").at("matched"), 10);
}

TEST(EvalCli, TableHasOneRowPerTiouAndAnAverage) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  RunResult r = run_vidscribe(tiny_args() + " --tiou 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0.50"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("average"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CIDEr-D"), std::string::npos) << r.out;
  // Official Recall at tIoU 0.5 is 0.4333...: 43.33 percent.
  EXPECT_NE(r.out.find("43.33"), std::string::npos) << r.out;
}

TEST(EvalCli, MaxProposalsCapsEachVideo) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  RunResult one = run_vidscribe(tiny_args() + " --json --max-proposals 1");
  RunResult all = run_vidscribe(tiny_args() + " --json");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(all.out);
  EXPECT_NE(a.at("metrics").at("Recall").at("average"), b.at("metrics").at("Recall").at("average"));
}

TEST(EvalCli, MeteorAndSodaAreLabelledNoParaphrase) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  RunResult r = run_vidscribe(tiny_args() + " --json --soda");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  auto want = nlohmann::json::parse(slurp(shared_dir() / "evaldata/expected/official_scorer_outputs.json"));
  EXPECT_EQ(j.at("labels").at("METEOR"), "METEOR (no paraphrase)");
  EXPECT_NEAR(j.at("metrics").at("METEOR").at("average").get<double>(),
              want.at("tiny_sample__vs__tiny_val_1+tiny_val_2").at("2018").at("avg_over_tious").at("METEOR").get<double>(),
              1e-4);
  EXPECT_EQ(j.at("soda_c").at("label"), "SODA_c (no paraphrase)");
  EXPECT_NEAR(j.at("soda_c").at("f1").get<double>(), 0.0393405766657335, 1e-4);
  RunResult table = run_vidscribe(tiny_args() + " --soda");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("METEOR (no paraphrase)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("SODA_c (no paraphrase): precision 6.38  recall 2.93  F1 3.93"), std::string::npos)
      << table.out;
}

TEST(EvalCli, ParaphraseTableAddsMatchesAndDropsTheLabel) {
  // Made-up words, so only the planted table relates "quux" and "blix flam".
  TempDir dir;
  const std::string ref = (dir / "ref.json").string(), pred = (dir / "pred.json").string();
  const std::string table = (dir / "paraphrase-en.gz").string();
  run_command("printf '{\"v\": {\"duration\": 10, \"timestamps\": [[0, 5]], \"sentences\": [\"a zorp quux "
              "here\"]}}' > " + shell_quote(ref));
  run_command("printf '{\"version\": \"1\", \"external_data\": {}, \"results\": {\"v\": [{\"sentence\": "
              "\"a zorp blix flam here\", \"timestamp\": [0, 5]}]}}' > " + shell_quote(pred));
  run_command("printf '0.2\\nquux\\nblix flam\\n' | gzip > " + shell_quote(table));
  const std::string args = "eval --json --soda --tiou 0.5 --references " + shell_quote(ref) + " --predictions " +
                           shell_quote(pred);
  RunResult plain = run_vidscribe(args);
  RunResult para = run_vidscribe(args + " --meteor-paraphrase " + shell_quote(table));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(para.exit_code, 0) << para.err;
  auto a = nlohmann::json::parse(plain.out), b = nlohmann::json::parse(para.out);
  EXPECT_EQ(a.at("labels").at("METEOR"), "METEOR (no paraphrase)");
  EXPECT_EQ(b.at("labels").at("METEOR"), "METEOR");
  EXPECT_EQ(b.at("soda_c").at("label"), "SODA_c");
  // All five test words and four reference words matched in one chunk ("a" is a function word, the phrase
  // weighs 0.6): METEOR is Fmean with no fragmentation penalty.
  const double p = (0.75 * (2 + 0.6 * 2) + 0.25) / (0.75 * 4 + 0.25);
  const double r = (0.75 * (2 + 0.6 * 1) + 0.25) / (0.75 * 3 + 0.25);
  EXPECT_NEAR(b.at("metrics").at("METEOR").at("average").get<double>(), 1.0 / (0.15 / p + 0.85 / r), 1e-12);
  EXPECT_LT(a.at("metrics").at("METEOR").at("average").get<double>(),
            b.at("metrics").at("METEOR").at("average").get<double>() - 0.1);
  EXPECT_GT(b.at("soda_c").at("f1").get<double>(), a.at("soda_c").at("f1").get<double>());
}

TEST(EvalCli, BadParaphraseTableFailsWithOneClearLine) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  TempDir dir;
  std::string table = (dir / "paraphrase-en.gz").string();
  run_command("printf 'x' > " + shell_quote(table));
  RunResult r = run_vidscribe(tiny_args() + " --meteor-paraphrase " + shell_quote(table));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 1 is not a probability"), std::string::npos) << r.err;
  r = run_vidscribe(tiny_args() + " --no-meteor --meteor-paraphrase " + shell_quote(table));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("drop --no-meteor"), std::string::npos) << r.err;
}

TEST(EvalCli, NoMeteorDropsTheColumn) {
  if (!std::filesystem::exists(shared_dir() / "evaldata")) GTEST_SKIP();
  RunResult r = run_vidscribe(tiny_args() + " --json --no-meteor");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out).at("metrics").contains("METEOR"));
}

// Hostile JSON: a timestamp nested 100,000 levels deep (the message once dumped it, recursing off the stack)
// and a number outside double's range. One short line and exit 2 each, in references and in predictions.
TEST(EvalCli, DeepNestingAndHugeNumbersAreOneShortLine) {
  TempDir dir;
  const std::string deep = std::string(100000, '[') + "0" + std::string(100000, ']');
  const std::string ref_ok = "{\"v\": {\"duration\": 10, \"timestamps\": [[0, 1]], \"sentences\": [\"a b\"]}}";
  const std::string pred_ok = "{\"version\": \"VERSION 1.0\", \"external_data\": {}, \"results\": {\"v\": "
                              "[{\"sentence\": \"a b\", \"timestamp\": [0, 1]}]}}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"v\": {\"duration\": 10, \"timestamps\": [" + deep + "], \"sentences\": [\"a\"]}}", pred_ok},
      {ref_ok, "{\"version\": \"VERSION 1.0\", \"external_data\": {}, \"results\": {\"v\": "
               "[{\"sentence\": \"a\", \"timestamp\": " + deep + "}]}}"},
      {"{\"v\": {\"duration\": 10, \"timestamps\": [[0, 1e400]], \"sentences\": [\"a\"]}}", pred_ok},
      {ref_ok, "{\"version\": \"VERSION 1.0\", \"external_data\": {}, \"results\": {\"v\": "
               "[{\"sentence\": \"a\", \"timestamp\": [0, -1e400]}]}}"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    util::write_file_atomic(dir / "ref.json", cases[i].first);
    util::write_file_atomic(dir / "pred.json", cases[i].second);
    RunResult r = run_vidscribe("eval --no-meteor -r " + shell_quote((dir / "ref.json").string()) + " -s " +
                                shell_quote((dir / "pred.json").string()));
    EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 300);
    EXPECT_LT(r.err.size(), 1024u) << r.err.substr(0, 300);
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err.substr(0, 300);
  }
}

TEST(EvalCli, BadInputsFailWithOneClearLine) {
  TempDir dir;
  std::string not_json = (dir / "bad.json").string(), no_version = (dir / "nov.json").string();
  std::string ref = (dir / "ref.json").string();
  run_command("printf '{oops' > " + shell_quote(not_json));
  run_command("printf '{\"results\": {}, \"external_data\": {}}' > " + shell_quote(no_version));
  run_command("printf '{\"v\": {\"timestamps\": [[0, 1]], \"sentences\": [\"a\"]}}' > " + shell_quote(ref));
  RunResult r = run_vidscribe("eval --references " + shell_quote(ref) + " --predictions " + shell_quote(not_json));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  r = run_vidscribe("eval --references " + shell_quote(ref) + " --predictions " + shell_quote(no_version));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing key \"version\""), std::string::npos) << r.err;
  r = run_vidscribe("eval --references " + shell_quote(ref) + " --predictions " + shell_quote(ref) +
                    " --profile 2019");
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace vidscribe::testing
