#include "eval/rule_lexer.h"

#include <algorithm>
#include <cctype>

#include "vidscribe/error.h"

namespace vidscribe::eval::detail {
namespace {

using CharSet = std::bitset<256>;

// Parsed regular expression.
struct Node {
  enum Kind { kSet, kCat, kAlt, kStar, kPlus, kOpt, kRepeat, kEmpty } kind = kEmpty;
  CharSet set;
  std::vector<std::unique_ptr<Node>> kids;
  int min = 0, max = 0;
};
using NodePtr = std::unique_ptr<Node>;

NodePtr make(Node::Kind kind) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  return n;
}

class Parser {
 public:
  Parser(std::string_view pattern, bool caseless) : p_(pattern), caseless_(caseless) {}

  NodePtr parse() {
    NodePtr n = alt();
    if (i_ != p_.size()) fail("unexpected ')'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::kInternal,
                "tokenizer rule '" + std::string(p_) + "': " + why + " at offset " + std::to_string(i_));
  }
  bool done() const { return i_ >= p_.size(); }

  NodePtr alt() {
    NodePtr first = seq();
    if (done() || p_[i_] != '|') return first;
    NodePtr n = make(Node::kAlt);
    n->kids.push_back(std::move(first));
    while (!done() && p_[i_] == '|') {
      ++i_;
      n->kids.push_back(seq());
    }
    return n;
  }

  NodePtr seq() {
    NodePtr n = make(Node::kCat);
    while (!done() && p_[i_] != '|' && p_[i_] != ')') n->kids.push_back(repeat());
    return n;
  }

  NodePtr repeat() {
    NodePtr a = atom();
    while (!done()) {
      char c = p_[i_];
      Node::Kind kind;
      if (c == '*') kind = Node::kStar;
      else if (c == '+') kind = Node::kPlus;
      else if (c == '?') kind = Node::kOpt;
      else if (c == '{') kind = Node::kRepeat;
      else break;
      ++i_;
      NodePtr r = make(kind);
      if (kind == Node::kRepeat) {
        r->min = number();
        r->max = r->min;
        if (!done() && p_[i_] == ',') {
          ++i_;
          r->max = number();
        }
        if (done() || p_[i_] != '}') fail("expected '}'");
        ++i_;
      }
      r->kids.push_back(std::move(a));
      a = std::move(r);
    }
    return a;
  }

  int number() {
    int v = 0;
    bool any = false;
    while (!done() && std::isdigit(static_cast<unsigned char>(p_[i_]))) {
      v = v * 10 + (p_[i_++] - '0');
      any = true;
    }
    if (!any) fail("expected a number");
    return v;
  }

  unsigned char escaped() {
    if (done()) fail("dangling '\\'");
    char c = p_[i_++];
    switch (c) {
      case 't': return '\t';
      case 'n': return '\n';
      case 'r': return '\r';
      case 'f': return '\f';
      default: return static_cast<unsigned char>(c);
    }
  }

  NodePtr atom() {
    char c = p_[i_++];
    NodePtr n = make(Node::kSet);
    if (c == '(') {
      NodePtr inner = alt();
      if (done() || p_[i_] != ')') fail("expected ')'");
      ++i_;
      return inner;
    }
    if (c == '[') {
      class_body(n->set);
      return n;
    }
    if (c == '.') {
      n->set.set();
      n->set.reset('\n');
      return n;
    }
    unsigned char ch = c == '\\' ? escaped() : static_cast<unsigned char>(c);
    n->set.set(ch);
    if (caseless_ && std::isalpha(ch)) {
      n->set.set(static_cast<unsigned char>(std::tolower(ch)));
      n->set.set(static_cast<unsigned char>(std::toupper(ch)));
    }
    return n;
  }

  void class_body(CharSet& set) {
    bool negate = false;
    if (!done() && p_[i_] == '^') {
      negate = true;
      ++i_;
    }
    bool first = true;
    while (true) {
      if (done()) fail("unterminated '['");
      char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      if (p_.compare(i_, 9, "[:letter:") == 0 && p_.compare(i_, 10, "[:letter:]") == 0) {
        i_ += 10;
        for (int x = 'a'; x <= 'z'; ++x) set.set(x).set(x - 'a' + 'A');
        continue;
      }
      if (p_.compare(i_, 9, "[:digit:]") == 0) {
        i_ += 9;
        for (int x = '0'; x <= '9'; ++x) set.set(x);
        continue;
      }
      ++i_;
      unsigned char lo = c == '\\' ? escaped() : static_cast<unsigned char>(c);
      unsigned char hi = lo;
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        char d = p_[i_++];
        hi = d == '\\' ? escaped() : static_cast<unsigned char>(d);
      }
      for (int x = lo; x <= hi; ++x) set.set(x);
    }
    if (negate) set.flip();
  }

  std::string_view p_;
  bool caseless_;
  size_t i_ = 0;
};

}  // namespace

// Thompson automaton: each state has at most one character edge plus epsilon edges.
struct RuleLexer::Nfa {
  struct State {
    CharSet set;
    int next = -1;  // target of the character edge
    std::vector<int> eps;
    int accept = -1;  // rule index accepted here
  };
  std::vector<State> states;
  int start = 0;

  Nfa() { states.emplace_back(); }

  int add() {
    states.emplace_back();
    return static_cast<int>(states.size()) - 1;
  }

  // Compiles `n` between a fresh entry and exit; returns {entry, exit}.
  std::pair<int, int> compile(const Node& n) {
    int in = add(), out = add();
    switch (n.kind) {
      case Node::kEmpty:
        states[in].eps.push_back(out);
        break;
      case Node::kSet:
        states[in].set = n.set;
        states[in].next = out;
        break;
      case Node::kCat: {
        int cur = in;
        for (const auto& k : n.kids) {
          auto [a, b] = compile(*k);
          states[cur].eps.push_back(a);
          cur = b;
        }
        states[cur].eps.push_back(out);
        break;
      }
      case Node::kAlt:
        for (const auto& k : n.kids) {
          auto [a, b] = compile(*k);
          states[in].eps.push_back(a);
          states[b].eps.push_back(out);
        }
        break;
      case Node::kStar:
      case Node::kPlus:
      case Node::kOpt: {
        auto [a, b] = compile(*n.kids[0]);
        states[in].eps.push_back(a);
        states[b].eps.push_back(out);
        if (n.kind != Node::kPlus) states[in].eps.push_back(out);
        if (n.kind != Node::kOpt) states[b].eps.push_back(a);
        break;
      }
      case Node::kRepeat: {
        int cur = in;
        for (int r = 0; r < n.max; ++r) {
          auto [a, b] = compile(*n.kids[0]);
          states[cur].eps.push_back(a);
          if (r >= n.min) states[cur].eps.push_back(out);
          cur = b;
        }
        states[cur].eps.push_back(out);
        break;
      }
    }
    return {in, out};
  }
};

// Subset automaton built on demand.
struct RuleLexer::Dfa {
  struct State {
    std::vector<int> nfa;  // sorted NFA state set
    int accept = -1;       // lowest rule index accepted
    std::vector<int> next; // 256 entries; -2 = not computed, -1 = dead
  };
  std::vector<State> states;
  std::map<std::vector<int>, int> index;
};

RuleLexer::RuleLexer() : nfa_(std::make_unique<Nfa>()), dfa_(std::make_unique<Dfa>()) {}
RuleLexer::~RuleLexer() = default;

int RuleLexer::add_rule(std::string_view pattern, std::string_view trailing, bool caseless) {
  int rule = n_rules_++;
  std::string full(pattern);
  if (!trailing.empty()) full = "(" + std::string(pattern) + ")(" + std::string(trailing) + ")";
  NodePtr tree = Parser(full, caseless).parse();
  auto [a, b] = nfa_->compile(*tree);
  nfa_->states[nfa_->start].eps.push_back(a);
  nfa_->states[b].accept = rule;
  if (!trailing.empty()) {
    Trailing t{std::make_unique<RuleLexer>(), std::make_unique<RuleLexer>()};
    t.head->add_rule(pattern, {}, caseless);
    t.tail->add_rule(trailing, {}, caseless);
    trailing_[rule] = std::move(t);
  }
  dfa_ = std::make_unique<Dfa>();  // rules changed: rebuild lazily
  return rule;
}

RuleLexer::Match RuleLexer::longest(std::string_view text, size_t pos) {
  auto intern = [&](std::vector<int> set) {
    // Epsilon closure.
    std::vector<char> seen(nfa_->states.size(), 0);
    std::vector<int> stack = set;
    for (int s : set) seen[s] = 1;
    while (!stack.empty()) {
      int s = stack.back();
      stack.pop_back();
      for (int t : nfa_->states[s].eps)
        if (!seen[t]) {
          seen[t] = 1;
          set.push_back(t);
          stack.push_back(t);
        }
    }
    std::sort(set.begin(), set.end());
    auto it = dfa_->index.find(set);
    if (it != dfa_->index.end()) return it->second;
    Dfa::State st;
    for (int s : set) {
      int a = nfa_->states[s].accept;
      if (a >= 0 && (st.accept < 0 || a < st.accept)) st.accept = a;
    }
    st.nfa = set;
    st.next.assign(256, -2);
    int id = static_cast<int>(dfa_->states.size());
    dfa_->states.push_back(std::move(st));
    dfa_->index.emplace(dfa_->states.back().nfa, id);
    return id;
  };
  if (dfa_->states.empty()) intern({nfa_->start});

  Match best;
  int state = 0;
  size_t total = 0;  // match length including any trailing context
  for (size_t i = pos;; ++i) {
    const auto& st = dfa_->states[state];
    if (st.accept >= 0 && i > pos) {
      best.rule = st.accept;
      total = i - pos;
    }
    if (i >= text.size()) break;
    unsigned char c = static_cast<unsigned char>(text[i]);
    int next = dfa_->states[state].next[c];
    if (next == -2) {
      std::vector<int> moved;
      for (int s : dfa_->states[state].nfa)
        if (nfa_->states[s].next >= 0 && nfa_->states[s].set.test(c)) moved.push_back(nfa_->states[s].next);
      next = moved.empty() ? -1 : intern(std::move(moved));
      dfa_->states[state].next[c] = next;
    }
    if (next < 0) break;
    state = next;
  }
  best.length = total;
  auto t = trailing_.find(best.rule);
  if (best.rule >= 0 && t != trailing_.end()) {
    std::string_view m = text.substr(pos, total);
    for (size_t p = total - 1; p >= 1; --p) {
      if (t->second.head->full_match(m.substr(0, p)) && t->second.tail->full_match(m.substr(p))) {
        best.length = p;
        break;
      }
    }
  }
  return best;
}

bool RuleLexer::full_match(std::string_view text) {
  Match m = longest(text, 0);
  return m.rule == 0 && m.length == text.size();
}

}  // namespace vidscribe::eval::detail
