// The tokenization step of the official captioning scorers (Stanford PTBTokenizer 3.4.1 as pycocoevalcap runs it).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vidscribe::eval {

// Reproduces what the ActivityNet scorer does to a caption before scoring:
//   1. every non-ASCII character (code point) becomes a space (the scorer's remove_nonascii),
//   2. newlines become spaces (pycocoevalcap joins captions one per line),
//   3. Stanford PTBTokenizer 3.4.1 with -preserveLines -lowerCase (PTB escaping: -LRB-, ``, '', splitting of
//      n't/'s, cannot -> can not, ...), written as a JFlex-style lexer of the same rules,
//   4. removal of the punctuation tokens '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ; (the
//      bracket names are compared before lower-casing is undone, so "-lrb-" stays, as in the official code).
// Checked sentence by sentence against the official output (tests/eval/ptb_tokenizer_test.cpp).
//
// Thread safety: a PtbTokenizer builds its automaton lazily; use one instance per thread.
class PtbTokenizer {
 public:
  PtbTokenizer();
  ~PtbTokenizer();
  PtbTokenizer(PtbTokenizer&&) noexcept;
  PtbTokenizer& operator=(PtbTokenizer&&) noexcept;

  // Steps 1-4: the scorer's tokens joined by single spaces ("" when nothing is left).
  std::string tokenize_caption(std::string_view raw);

  // Step 3 alone on ASCII text: the PTB tokens, lower-cased, punctuation kept.
  std::vector<std::string> ptb_tokens(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Step 1: each UTF-8 code point >= 128 becomes one space (invalid bytes count as one code point each).
std::string remove_non_ascii(std::string_view text);

}  // namespace vidscribe::eval
