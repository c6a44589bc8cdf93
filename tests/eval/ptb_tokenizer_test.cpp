#include "eval/ptb_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/support.h"

namespace vidscribe::eval {
namespace {

TEST(PtbTokenizer, HandMadeCases) {
  PtbTokenizer tok;
  EXPECT_EQ(tok.tokenize_caption("He isn't (really) done -- it's \"great\"!"),
            "he is n't -lrb- really -rrb- done it 's great");
  EXPECT_EQ(tok.tokenize_caption("cannot gonna WANNA"), "can not gon na wan na");
  EXPECT_EQ(tok.tokenize_caption("A 3.5-inch cut... costs $5 & 10%; ok?"), "a 3.5-inch cut costs $ 5 & 10 % ok");
  EXPECT_EQ(tok.tokenize_caption("x / y + z = [w] {v} <u>"), "x / y + z = -lsb- w -rsb- -lcb- v -rcb- <u>");
  EXPECT_EQ(tok.tokenize_caption(""), "");
}

TEST(PtbTokenizer, NonAsciiBecomesOneSpacePerCodePoint) {
  EXPECT_EQ(remove_non_ascii("caf\xC3\xA9 ok"), "caf  ok");
  EXPECT_EQ(remove_non_ascii("a\xE2\x80\x94" "b"), "a b");
  PtbTokenizer tok;
  EXPECT_EQ(tok.tokenize_caption("caf\xC3\xA9\nbar"), "caf bar");
}

// Every sentence of the official tokenizer's output (84,099 sentences of ActivityNet and YouCook2).
TEST(PtbTokenizer, EqualsOfficialOnEveryOracleSentence) {
  std::ifstream in(testing::shared_dir() / "evaldata/expected/ptb_tokenization_oracle.jsonl");
  if (!in) GTEST_SKIP() << "evaldata not found";
  PtbTokenizer tok;
  std::string line;
  size_t n = 0, bad = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string raw = j.at("raw"), want = j.at("tok");
    std::string got = tok.tokenize_caption(raw);
    ++n;
    if (got != want) {
      ++bad;
      if (bad <= 40) ADD_FAILURE() << "raw: " << raw << "\n want: " << want << "\n  got: " << got;
    }
  }
  EXPECT_EQ(n, 84099u);
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace vidscribe::eval
