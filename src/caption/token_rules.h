// Token choice rules of method.md section 4: ZeroCap's end-token factors, the repetition penalty,
// no-repeat n-grams and the down-weighting of tokens that cannot make a plain English caption.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "caption/interfaces.h"
#include "vidscribe/options.h"

namespace vidscribe::caption {

// What a token's bytes can do in a plain English caption.
enum class TokenClass : uint8_t {
  kWordStart,         // " " + ASCII letters or digits: " cat", " 3"
  kWordContinuation,  // ASCII letters, or an apostrophe + letters: "ing", "'s"
  kComma,             // ","
  kPeriod,            // "." (the end token)
  kOther,             // anything else: newlines, symbols, non-ASCII, special tokens
};
TokenClass classify_token(const std::string& bytes);

// The rules, with the vocabulary's token classes computed once.
class TokenRules {
 public:
  TokenRules(const CausalLm& lm, const MethodOptions& options);

  // Adjusts one event's next-token logits, as ZeroCap adjusts the shifted LM's raw logits before its softmax
  // and its fusion with the plain LM (method.md section 4).
  // logits: [V] float32 (any sign); generated: the caption's tokens so far.
  // Returns [V] float32 logits; -inf marks tokens that may not come next. All factors follow ZeroCap's
  // sign-aware rule on a logit x: "discourage by f" makes x less likely (x / f for x > 0, x * f otherwise),
  // "encourage by f" makes it more likely (x * f for x > 0, x / f otherwise).
  //  - "." is discouraged by start_end_factor at the first token and encouraged by end_factor later,
  //    and forbidden before min_tokens tokens; the LM's end-of-text token is always forbidden;
  //  - tokens among the last repetition_window generated ones are discouraged by repetition_penalty;
  //  - a token that would repeat an n-gram (n = no_repeat_ngram) of the caption is forbidden;
  //  - tokens that cannot come next in plain English (the first token must start a word; a word may be
  //    continued only right after a word) are discouraged by forbidden_factor.
  torch::Tensor apply(const torch::Tensor& logits, const std::vector<int64_t>& generated) const;

  int64_t period_id() const { return period_id_; }

 private:
  MethodOptions options_;
  int64_t period_id_;
  int64_t eos_id_;
  std::vector<TokenClass> classes_;  // [V]
  torch::Tensor first_factor_;       // [V] float32: forbidden_factor where the first token may not be, else 1
  torch::Tensor after_word_factor_;  // [V] after a word token
  torch::Tensor after_punct_factor_; // [V] after "," (no word continuation)
};

}  // namespace vidscribe::caption
