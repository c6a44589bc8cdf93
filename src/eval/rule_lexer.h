// A small lexer generator for the PTB tokenizer: regular-expression rules, longest match, earlier rule wins ties.
#pragma once

#include <bitset>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vidscribe::eval::detail {

// Rules are JFlex-like regular expressions over bytes: literals, `.`, `[...]` classes (ranges, `^` negation,
// escapes), `( )`, `|`, `* + ?`, `{n}` and `{n,m}`, `\` escapes (\t \n \r \f and any literal character).
// With `caseless`, literal letters outside classes match both cases (as in JFlex %caseless); classes stay
// case-sensitive.
//
// Matching follows JFlex: at a position the rule with the longest match wins, the earlier rule on ties; a rule
// with trailing context (`pattern/trailing`) competes with the length of pattern + trailing but consumes only
// the pattern part (the longest pattern prefix for which the rest matches the trailing context).
//
// Thread safety: the automaton is built lazily, so one RuleLexer must not be used by two threads at once.
class RuleLexer {
 public:
  RuleLexer();
  ~RuleLexer();
  RuleLexer(const RuleLexer&) = delete;
  RuleLexer& operator=(const RuleLexer&) = delete;

  // Adds a rule; returns its index (0, 1, ...). Throws vidscribe::Error on a malformed pattern.
  int add_rule(std::string_view pattern, std::string_view trailing = {}, bool caseless = true);

  struct Match {
    int rule = -1;         // -1: no rule matched at this position
    size_t length = 0;     // bytes the token consumes (the trailing context excluded)
  };
  Match longest(std::string_view text, size_t pos);

 private:
  struct Nfa;
  struct Dfa;
  std::unique_ptr<Nfa> nfa_;
  std::unique_ptr<Dfa> dfa_;
  // Per trailing-context rule: automata for the pattern and the context alone (full-match tests).
  struct Trailing {
    std::unique_ptr<RuleLexer> head;
    std::unique_ptr<RuleLexer> tail;
  };
  std::map<int, Trailing> trailing_;
  int n_rules_ = 0;
  bool full_match(std::string_view text);
};

}  // namespace vidscribe::eval::detail
