#include "caption/token_rules.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace vidscribe::caption {

namespace {

bool all_of_chars(const std::string& s, size_t from, int (*pred)(int)) {
  if (from >= s.size()) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
                     [&](char ch) { return pred(static_cast<unsigned char>(ch)) != 0; });
}

int is_word_char(int ch) { return std::isalpha(ch) || std::isdigit(ch); }
int is_letter(int ch) { return std::isalpha(ch); }

// ZeroCap's sign-aware factor: discouraging always lowers the score, encouraging always raises it.
float discourage(float x, double f) { return x > 0 ? static_cast<float>(x / f) : static_cast<float>(x * f); }
float encourage(float x, double f) { return x > 0 ? static_cast<float>(x * f) : static_cast<float>(x / f); }

}  // namespace

TokenClass classify_token(const std::string& bytes) {
  if (bytes == ".") return TokenClass::kPeriod;
  if (bytes == ",") return TokenClass::kComma;
  if (bytes.size() >= 2 && bytes[0] == ' ' && all_of_chars(bytes, 1, is_word_char)) return TokenClass::kWordStart;
  if (all_of_chars(bytes, 0, is_letter)) return TokenClass::kWordContinuation;
  if (bytes.size() >= 2 && bytes[0] == '\'' && all_of_chars(bytes, 1, is_letter)) {
    return TokenClass::kWordContinuation;
  }
  return TokenClass::kOther;
}

TokenRules::TokenRules(const CausalLm& lm, const MethodOptions& options)
    : options_(options), period_id_(lm.period_id()), eos_id_(lm.eos_id()) {
  const int64_t v = lm.vocab_size();
  classes_.resize(static_cast<size_t>(v));
  std::vector<float> first(v, 1.0f), after_word(v, 1.0f), after_punct(v, 1.0f);
  const auto f = static_cast<float>(options.forbidden_factor);
  for (int64_t id = 0; id < v; ++id) {
    const auto c = id == eos_id_ ? TokenClass::kOther : classify_token(lm.token_bytes(id));
    classes_[id] = c;
    if (c != TokenClass::kWordStart) first[id] = f;
    if (c == TokenClass::kOther) after_word[id] = f;
    if (c == TokenClass::kOther || c == TokenClass::kWordContinuation) after_punct[id] = f;
  }
  first_factor_ = torch::tensor(first);
  after_word_factor_ = torch::tensor(after_word);
  after_punct_factor_ = torch::tensor(after_punct);
}

torch::Tensor TokenRules::apply(const torch::Tensor& logits, const std::vector<int64_t>& generated) const {
  torch::NoGradGuard no_grad;
  auto scores = logits.to(torch::kCPU, torch::kFloat).clone().contiguous();  // [V]
  auto* x = scores.data_ptr<float>();
  const auto n = static_cast<int64_t>(generated.size());

  // Plain English: every factor here discourages.
  const torch::Tensor* factor = &first_factor_;
  if (n > 0) {
    const auto last = classes_[generated.back()];
    const bool after_word = last == TokenClass::kWordStart || last == TokenClass::kWordContinuation;
    factor = after_word ? &after_word_factor_ : &after_punct_factor_;
  }
  scores = torch::where(scores > 0, scores / *factor, scores * *factor).contiguous();
  x = scores.data_ptr<float>();

  for (int64_t i = std::max<int64_t>(0, n - options_.repetition_window); i < n; ++i) {
    // Once per distinct token, as ZeroCap iterates over a set.
    const int64_t t = generated[i];
    if (std::find(generated.begin() + std::max<int64_t>(0, n - options_.repetition_window),
                  generated.begin() + i, t) != generated.begin() + i) {
      continue;
    }
    x[t] = discourage(x[t], options_.repetition_penalty);
  }

  x[period_id_] = n == 0 ? discourage(x[period_id_], options_.start_end_factor)
                         : encourage(x[period_id_], options_.end_factor);

  const float minus_inf = -std::numeric_limits<float>::infinity();
  if (n < options_.min_tokens) x[period_id_] = minus_inf;
  if (eos_id_ != period_id_) x[eos_id_] = minus_inf;

  const int64_t g = options_.no_repeat_ngram;
  if (g > 0 && n >= g - 1) {
    // Forbid the token that would complete an earlier n-gram whose first g-1 tokens end the caption.
    for (int64_t start = 0; start + g - 1 < n; ++start) {
      bool same = true;
      for (int64_t j = 0; j < g - 1 && same; ++j) same = generated[start + j] == generated[n - (g - 1) + j];
      if (same) x[generated[start + g - 1]] = minus_inf;
    }
  }
  return scores;
}

}  // namespace vidscribe::caption
