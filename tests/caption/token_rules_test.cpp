#include "caption/token_rules.h"

#include <gtest/gtest.h>

#include <cmath>

#include "caption/tiny_models.h"

namespace vidscribe::caption {
namespace {

TEST(TokenRulesTest, ClassifiesPlainEnglishTokens) {
  EXPECT_EQ(classify_token(" cat"), TokenClass::kWordStart);
  EXPECT_EQ(classify_token(" 42"), TokenClass::kWordStart);
  EXPECT_EQ(classify_token("ing"), TokenClass::kWordContinuation);
  EXPECT_EQ(classify_token("'s"), TokenClass::kWordContinuation);
  EXPECT_EQ(classify_token("."), TokenClass::kPeriod);
  EXPECT_EQ(classify_token(","), TokenClass::kComma);
  EXPECT_EQ(classify_token(" "), TokenClass::kOther);
  EXPECT_EQ(classify_token("\n"), TokenClass::kOther);
  EXPECT_EQ(classify_token(" caf\xc3\xa9"), TokenClass::kOther);
  EXPECT_EQ(classify_token("#"), TokenClass::kOther);
  EXPECT_EQ(classify_token("12"), TokenClass::kOther);
  EXPECT_EQ(classify_token(""), TokenClass::kOther);
}

class TokenRulesFixture : public ::testing::Test {
 protected:
  testing::TinyLm lm;
  torch::Tensor uniform() { return torch::full({lm.vocab_size()}, -std::log(double(lm.vocab_size())), torch::kFloat); }
  float at(const torch::Tensor& scores, const std::string& token) { return scores[lm.id_of(token)].item<float>(); }
  std::vector<int64_t> ids(const std::vector<std::string>& tokens) {
    std::vector<int64_t> out;
    for (const auto& t : tokens) out.push_back(lm.id_of(t));
    return out;
  }
};

TEST_F(TokenRulesFixture, FirstTokenMustStartAWordAndEndIsForbiddenBeforeMinTokens) {
  MethodOptions options;
  const TokenRules rules(lm, options);
  const auto x = uniform();
  const float base = x[0].item<float>();
  const auto s = rules.apply(x, {});
  EXPECT_FLOAT_EQ(at(s, " red"), base);
  EXPECT_FLOAT_EQ(at(s, ","), base * 20);
  EXPECT_FLOAT_EQ(at(s, "ing"), base * 20);
  EXPECT_FLOAT_EQ(at(s, "\n"), base * 20);
  EXPECT_TRUE(std::isinf(at(s, ".")));
  EXPECT_TRUE(std::isinf(at(s, "<|endoftext|>")));
  // After 3 tokens "." is still forbidden (min_tokens 4), after 4 it is allowed and encouraged.
  EXPECT_TRUE(std::isinf(at(rules.apply(x, ids({" a", " red", " ball"})), ".")));
  EXPECT_FLOAT_EQ(at(rules.apply(x, ids({" a", " red", " big", " ball"})), "."), base / 1.01f);
}

TEST_F(TokenRulesFixture, EndTokenDiscouragedAtFirstToken) {
  MethodOptions options;
  options.min_tokens = 0;
  options.forbidden_factor = 1.0;
  const TokenRules rules(lm, options);
  const auto x = uniform();
  const float base = x[0].item<float>();
  EXPECT_FLOAT_EQ(at(rules.apply(x, {}), "."), base * 1.6f);
  // A positive score is divided, as ZeroCap does with logits.
  auto positive = x.clone();
  positive[lm.id_of(".")] = 2.0f;
  EXPECT_FLOAT_EQ(at(rules.apply(positive, {}), "."), 2.0f / 1.6f);
  EXPECT_FLOAT_EQ(at(rules.apply(positive, ids({" a"})), "."), 2.0f * 1.01f);
}

TEST_F(TokenRulesFixture, ContinuationOnlyAfterAWord) {
  const TokenRules rules(lm, MethodOptions{});
  const auto x = uniform();
  const float base = x[0].item<float>();
  EXPECT_FLOAT_EQ(at(rules.apply(x, ids({" a", " box"})), "ing"), base) << "after a word";
  EXPECT_FLOAT_EQ(at(rules.apply(x, ids({" a", " red", ","})), "ing"), base * 20) << "after a comma";
  EXPECT_FLOAT_EQ(at(rules.apply(x, ids({" a", " red"})), "#"), base * 20);
}

TEST_F(TokenRulesFixture, RepetitionPenaltyOverLastWindow) {
  const TokenRules rules(lm, MethodOptions{});
  const auto x = uniform();
  const float base = x[0].item<float>();
  const auto s = rules.apply(x, ids({" ball", " a", " red", " red", " car", " and"}));
  EXPECT_FLOAT_EQ(at(s, " red"), base * 1.2f);  // twice in the window, penalised once
  EXPECT_FLOAT_EQ(at(s, " and"), base * 1.2f);
  EXPECT_FLOAT_EQ(at(s, " ball"), base);        // outside the last 4
}

TEST_F(TokenRulesFixture, NoRepeatTrigram) {
  const TokenRules rules(lm, MethodOptions{});
  const auto x = uniform();
  const auto s = rules.apply(x, ids({" red", " ball", " and", " red", " ball"}));
  EXPECT_TRUE(std::isinf(at(s, " and")));
  EXPECT_FALSE(std::isinf(at(s, " on")));
  MethodOptions off;
  off.no_repeat_ngram = 0;
  EXPECT_FALSE(std::isinf(at(TokenRules(lm, off).apply(x, ids({" red", " ball", " and", " red", " ball"})), " and")));
}

// The rules act on logits, as ZeroCap's do: on a logit of about -40 the end factor moves "." by 0.4,
// and the x20 penalty stops even a confident bad token (positive logit) - which it could not on
// log-probabilities near 0.
TEST_F(TokenRulesFixture, FactorsActOnLogitsAsZeroCapsDo) {
  MethodOptions options;
  options.min_tokens = 0;
  const TokenRules rules(lm, options);
  auto x = torch::full({lm.vocab_size()}, -40.0f, torch::kFloat);
  x[lm.id_of(" red")] = 2.0f;
  x[lm.id_of(",")] = 8.0f;  // the LM is sure of a token that cannot start a caption
  const auto first = rules.apply(x, {});
  EXPECT_FLOAT_EQ(at(first, ","), 8.0f / 20.0f);
  EXPECT_EQ(torch::log_softmax(first, 0).argmax().item<int64_t>(), lm.id_of(" red"));
  const auto later = rules.apply(x, ids({" a"}));
  EXPECT_NEAR(at(later, ".") - -40.0f, 40.0f - 40.0f / 1.01f, 1e-4);
  EXPECT_GT(at(later, ".") - -40.0f, 0.39f);
}

}  // namespace
}  // namespace vidscribe::caption
