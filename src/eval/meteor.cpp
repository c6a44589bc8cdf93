#include "eval/meteor.h"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "text/unicode.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

// Character classes of METEOR's Normalizer, on code points (java.util.regex without UNICODE_CHARACTER_CLASS:
// \p{Digit}, \p{Lower} and \s are ASCII; its "alpha" is an explicit list of Latin and Cyrillic ranges).
bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_alpha(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) ||
         (c >= 0xF8 && c <= 0x17E) || c == 0x178 || (c >= 0x400 && c <= 0x527) || (c >= 0xA640 && c <= 0xA66E) ||
         (c >= 0xA67E && c <= 0xA697) || (c >= 0x1D00 && c <= 0x1D7F);
}
bool is_alnum(char32_t c) { return is_digit(c) || is_alpha(c); }
bool is_java_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r'; }
bool is_tokenizer_delim(char32_t c) {  // java.util.StringTokenizer's default delimiters
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
// The Normalizer's last step folds runs of these (Unicode space separators) into one space.
bool is_unicode_space(char32_t c) {
  return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// String.replace(literal, literal): every non-overlapping occurrence, left to right.
template <typename Str, typename View>
Str replace_all_impl(Str s, View from, View to) {
  if (s.find(from) == Str::npos) return s;
  Str out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != Str::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, Str::npos);
  return out;
}
std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  return replace_all_impl<std::string, std::string_view>(std::move(s), from, to);
}
std::u32string replace_all(std::u32string s, std::u32string_view from, std::u32string_view to) {
  return replace_all_impl<std::u32string, std::u32string_view>(std::move(s), from, to);
}

// Matcher.replaceAll of a three-character pattern ([a])<mid>([b]) -> a + middle + b, matches found left to
// right without overlap (as java.util.regex does).
template <typename A, typename B>
std::u32string replace3(const std::u32string& s, char32_t mid, A first, B last, std::u32string_view middle) {
  if (s.find(mid) == std::u32string::npos) return s;
  std::u32string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    if (i + 2 < s.size() && s[i + 1] == mid && first(s[i]) && last(s[i + 2])) {
      out += s[i];
      out.append(middle);
      out += s[i + 2];
      i += 3;
    } else {
      out += s[i++];
    }
  }
  return out;
}

template <typename Str>
std::vector<Str> tokenize_java(const Str& s) {
  std::vector<Str> out;
  size_t i = 0;
  while (i < s.size()) {
    // Bytes >= 0x80 of UTF-8 text become values far above ASCII: never delimiters.
    while (i < s.size() && is_tokenizer_delim(static_cast<char32_t>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !is_tokenizer_delim(static_cast<char32_t>(s[j]))) ++j;
    if (j > i) out.emplace_back(s, i, j - i);
    i = j;
  }
  return out;
}

std::vector<std::string> tokenize(const std::string& s) { return tokenize_java(s); }

std::string java_trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

// Java's String.split(regex) for the literal "|||": trailing empty parts are dropped.
std::vector<std::string> split_bars(const std::string& s) {
  std::vector<std::string> parts;
  size_t pos = 0;
  for (size_t hit; (hit = s.find("|||", pos)) != std::string::npos; pos = hit + 3) parts.push_back(s.substr(pos, hit - pos));
  parts.push_back(s.substr(pos));
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

// Python's str.replace: non-overlapping, left to right, one pass.
std::string clean_hypothesis(const std::string& h) { return replace_all(replace_all(h, "|||", ""), "  ", " "); }

}  // namespace

MeteorStats& MeteorStats::operator+=(const MeteorStats& o) {
  test_length += o.test_length;
  reference_length += o.reference_length;
  test_function_words += o.test_function_words;
  reference_function_words += o.reference_function_words;
  test_total_matches += o.test_total_matches;
  reference_total_matches += o.reference_total_matches;
  for (size_t k = 0; k < kMeteorModules; ++k) {
    test_content[k] += o.test_content[k];
    reference_content[k] += o.reference_content[k];
    test_function[k] += o.test_function[k];
    reference_function[k] += o.reference_function[k];
  }
  // METEOR's MeteorStats.addStats: an item matched perfectly (every word, one chunk) adds no chunk, so it
  // does not fragment the sum.
  const bool perfect = o.test_total_matches == o.test_length && o.reference_total_matches == o.reference_length &&
                       o.chunks == 1;
  if (!perfect) chunks += o.chunks;
  test_word_matches += o.test_word_matches;
  reference_word_matches += o.reference_word_matches;
  return *this;
}

std::filesystem::path find_meteor_data_dir() {
  std::vector<std::filesystem::path> tried;
  auto ok = [&](const std::filesystem::path& dir) {
    tried.push_back(dir);
    std::error_code ec;
    return std::filesystem::exists(dir / "english.words", ec) && std::filesystem::exists(dir / "english.prefixes", ec);
  };
  if (const char* env = std::getenv("VIDSCRIBE_METEOR_DIR"); env && *env) {
    if (ok(env)) return env;
  }
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = exe.parent_path();
    if (ok(dir / "data" / "meteor")) return dir / "data" / "meteor";
    if (ok(dir / ".." / "share" / "vidscribe" / "meteor")) return dir / ".." / "share" / "vidscribe" / "meteor";
  }
#ifdef VIDSCRIBE_METEOR_DATA_DIR
  if (ok(VIDSCRIBE_METEOR_DATA_DIR)) return VIDSCRIBE_METEOR_DATA_DIR;
#endif
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t.string();
  throw Error(ErrorCode::kNotFound,
              "METEOR word lists (english.words, english.prefixes) not found; set VIDSCRIBE_METEOR_DIR to the "
              "project's data/meteor folder (tried: " + list + ")");
}

std::string meteor_normalize(std::string_view line, const std::unordered_map<std::string, int>& prefixes) {
  // Java works on the decoded line (UTF-16; code points here).
  const std::u32string in = text::decode_utf8(line);
  std::u32string s;
  s.reserve(in.size() * 2 + 2);
  // Wrap in spaces; separate every character that is not alphanumeric, ASCII space, . ' ` , - or a single
  // curly quote.
  s += U' ';
  for (char32_t c : in) {
    if (is_alnum(c) || is_java_space(c) || c == '.' || c == '\'' || c == '`' || c == ',' || c == '-' ||
        c == 0x2018 || c == 0x2019) {
      s += c;
    } else {
      s += U' ';
      s += c;
      s += U' ';
    }
  }
  s += U' ';
  // Escape runs of dots (ASCII patterns: done on UTF-8 with std::regex, which gives the same result).
  const bool multi_dot = s.find(U"..") != std::u32string::npos;
  if (multi_dot) {
    static const std::regex r_multi_dot(R"(\.([\.]+))");
    static const std::regex r_multi_dot2(R"(DOTMULTI\.([^\.]))");
    std::string u = std::regex_replace(text::encode_utf8(s), r_multi_dot, " DOTMULTI$1");
    while (u.find("DOTMULTI.") != std::string::npos) {
      u = std::regex_replace(u, r_multi_dot2, "DOTDOTMULTI $1");
      u = replace_all(u, "DOTMULTI.", "DOTDOTMULTI");
    }
    s = text::decode_utf8(u);
  }
  // Commas, except inside numbers.
  auto digit = [](char32_t c) { return is_digit(c); };
  auto non_digit = [](char32_t c) { return !is_digit(c); };
  s = replace3(s, ',', non_digit, non_digit, U" , ");
  s = replace3(s, ',', digit, non_digit, U" , ");
  s = replace3(s, ',', non_digit, digit, U" , ");
  // Quotes and dashes.
  for (char32_t& c : s)
    if (c == '`' || c == 0x2018 || c == 0x2019) c = '\'';
  {
    std::u32string q;
    q.reserve(s.size() + 8);
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == 0x201C || s[i] == 0x201D) {
        q += U" \" ";
      } else if (s[i] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
        q += U" \" ";
        ++i;
      } else {
        q += s[i];
      }
    }
    s = std::move(q);
  }
  s = replace_all(s, U"\u2013", U"-");
  s = replace_all(s, U"--", U"-");
  auto alnum_or_dot = [](char32_t c) { return is_alnum(c) || c == '.'; };
  auto alnum = [](char32_t c) { return is_alnum(c); };
  s = replace3(s, '-', alnum_or_dot, alnum, U" ");
  // English contractions split to the right.
  auto alpha = [](char32_t c) { return is_alpha(c); };
  auto non_alpha = [](char32_t c) { return !is_alpha(c); };
  auto non_alnum = [](char32_t c) { return !is_alpha(c) && !is_digit(c); };
  auto letter_s = [](char32_t c) { return c == 's'; };
  s = replace3(s, '\'', non_alpha, non_alpha, U" ' ");
  s = replace3(s, '\'', non_alnum, alpha, U" ' ");
  s = replace3(s, '\'', alpha, non_alpha, U" ' ");
  s = replace3(s, '\'', alpha, alpha, U" '");
  s = replace3(s, '\'', digit, letter_s, U" '");
  // Words with a final dot: keep it for non-breaking prefixes and before lower-case words, drop the dots of
  // dotted abbreviations (u.s. -> us), split it off otherwise.
  const std::vector<std::u32string> words = tokenize_java(s);
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < words.size(); ++i) {
    const std::u32string& w = words[i];
    const bool has_next = i + 1 < words.size();
    if (w.size() > 1 && w.back() == '.') {
      const std::u32string pre = w.substr(0, w.size() - 1);
      auto it = prefixes.find(text::encode_utf8(pre));
      const int type = it == prefixes.end() ? 0 : it->second;
      if (pre.find('.') != std::u32string::npos && std::any_of(pre.begin(), pre.end(), alpha)) {
        for (char32_t c : w)
          if (c != '.') out += c;
      } else if (type == 1 || (has_next && words[i + 1][0] >= 'a' && words[i + 1][0] <= 'z')) {
        out += w;
      } else if (type == 2 && has_next && is_digit(words[i + 1][0])) {
        out += w;
      } else {
        out += pre;
        out += U" .";
      }
    } else {
      out += w;
    }
    out += U' ';
  }
  if (multi_dot) {
    while (out.find(U"DOTDOTMULTI") != std::u32string::npos) out = replace_all(out, U"DOTDOTMULTI", U"DOTMULTI.");
    out = replace_all(out, U"DOTMULTI", U".");
  }
  // Runs of Unicode spaces become one space; String.trim(); then MeteorScorer's toLowerCase().
  std::u32string folded;
  folded.reserve(out.size());
  for (size_t i = 0; i < out.size();) {
    if (is_unicode_space(out[i])) {
      folded += U' ';
      while (i < out.size() && is_unicode_space(out[i])) ++i;
    } else {
      folded += out[i++];
    }
  }
  size_t b = 0, e = folded.size();
  while (b < e && folded[b] <= U' ') ++b;
  while (e > b && folded[e - 1] <= U' ') --e;
  return text::encode_utf8(text::to_lower(std::u32string_view(folded).substr(b, e - b)));
}

// One distinct word with what the matchers compare.
struct Meteor::Word {
  std::string text;
  std::string stem;
  std::vector<SynsetId> synsets;  // getSynSets + getStemSynSets
  int paraphrase_id = -1;         // id in the paraphrase table, -1 when absent from it
  bool function_word = false;
};

struct Meteor::Sentence {
  std::vector<const Word*> words;  // equal words share one Word
  // With a paraphrase table: the word ids, and per start position the table's (length, entry) pairs whose
  // reference phrase starts there (ParaphraseTable::reference_paths), found once per sentence.
  std::vector<int> paraphrase_ids;
  std::vector<std::vector<std::pair<int, int>>> paraphrase_paths;
  std::vector<std::pair<int, int>> paraphrase_positions;  // (word id, position), sorted: where a phrase may start
};

struct Meteor::StemmerHandle {
  struct Deleter {
    void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
  };
  std::unique_ptr<sb_stemmer, Deleter> stemmer;
};

Meteor::Meteor(const std::filesystem::path& data_dir, const std::filesystem::path& wordnet_dir,
               MeteorParams params, std::shared_ptr<const ParaphraseTable> paraphrases)
    : params_(params), paraphrases_(std::move(paraphrases)), stemmer_(std::make_unique<StemmerHandle>()) {
  auto read = [](const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) throw Error(ErrorCode::kNotFound, p.string() + ": no such file");
    return util::read_file(p);
  };
  // Function words: one per line, taken as written (Java readLine).
  {
    std::string text = read(data_dir / "english.words");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string w = text.substr(pos, end - pos);
      if (!w.empty() && w.back() == '\r') w.pop_back();
      function_words_.insert(w);
      pos = end + 1;
    }
  }
  // Non-breaking prefixes: "prefix [#NUMERIC_ONLY#]", '#' comments.
  {
    std::string text = read(data_dir / "english.prefixes");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      auto tok = tokenize(text.substr(pos, end - pos));
      pos = end + 1;
      if (tok.empty() || tok[0][0] == '#') continue;
      prefixes_[tok[0]] = tok.size() > 1 && tok[1] == "#NUMERIC_ONLY#" ? 2 : 1;
    }
  }
  wordnet_ = WordNet::load(wordnet_dir);
  stemmer_->stemmer.reset(sb_stemmer_new("english", nullptr));
  if (!stemmer_->stemmer) throw Error(ErrorCode::kInternal, "libstemmer has no English stemmer");
}

Meteor::~Meteor() = default;

std::string Meteor::stem(const std::string& w) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const sb_symbol* s = sb_stemmer_stem(stemmer_->stemmer.get(), reinterpret_cast<const sb_symbol*>(w.data()),
                                       static_cast<int>(w.size()));
  if (!s) throw Error(ErrorCode::kInternal, "libstemmer: out of memory");
  return std::string(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer_->stemmer.get()));
}

// REQUIRES: mutex_ held.
const Meteor::Word& Meteor::word(const std::string& w) const {
  auto it = words_.find(w);
  if (it != words_.end()) return *it->second;
  auto info = std::make_unique<Word>();
  info->text = w;
  const sb_symbol* s = sb_stemmer_stem(stemmer_->stemmer.get(), reinterpret_cast<const sb_symbol*>(w.data()),
                                       static_cast<int>(w.size()));
  if (!s) throw Error(ErrorCode::kInternal, "libstemmer: out of memory");
  info->stem.assign(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer_->stemmer.get()));
  info->synsets = wordnet_.all_synsets(w);
  if (paraphrases_) info->paraphrase_id = paraphrases_->word_id(w);
  info->function_word = function_words_.count(w) > 0;  // words are lower case already
  return *words_.emplace(w, std::move(info)).first->second;
}

std::shared_ptr<const Meteor::Sentence> Meteor::sentence(const std::string& line) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sentences_.find(line);
  if (it != sentences_.end()) return it->second;
  auto s = std::make_shared<Sentence>();
  for (const auto& w : tokenize(meteor_normalize(line, prefixes_))) s->words.push_back(&word(w));
  if (paraphrases_) {
    for (const Word* w : s->words) s->paraphrase_ids.push_back(w->paraphrase_id);
    for (size_t i = 0; i < s->words.size(); ++i) {
      s->paraphrase_paths.push_back(paraphrases_->reference_paths(s->paraphrase_ids, i));
      if (s->paraphrase_ids[i] >= 0) s->paraphrase_positions.emplace_back(s->paraphrase_ids[i], static_cast<int>(i));
    }
    std::sort(s->paraphrase_positions.begin(), s->paraphrase_positions.end());
  }
  sentences_.emplace(line, s);
  return s;
}

namespace {

// A candidate match: reference words [start, start + length) for test words [match_start, match_start +
// match_length). Exact, stem and synonym matches are one word each; paraphrase matches are phrases.
struct Match {
  int start = 0;
  int length = 1;
  int match_start = 0;
  int match_length = 1;
  int module = 0;
};

// A partial alignment of the beam search (edu.cmu.meteor.aligner.PartialAlignment).
struct Path {
  std::vector<int> matches;  // per reference position where a chosen match starts: its index, else -1
  std::vector<char> used1, used2;
  int matches1 = 0, matches2 = 0;  // weighted match counts, truncated to int as Java's int += double does
  int chunks = 0;
  int idx = 0;
  int distance = 0;
  int last_match_end = -1;

  bool is_used(const Match& m) const {
    for (int k = 0; k < m.length; ++k)
      if (used2[m.start + k]) return true;
    for (int k = 0; k < m.match_length; ++k)
      if (used1[m.match_start + k]) return true;
    return false;
  }
  void set_used(const Match& m) {
    std::fill_n(used2.begin() + m.start, m.length, 1);
    std::fill_n(used1.begin() + m.match_start, m.match_length, 1);
  }
};

// The weights of the alignment search. MeteorScorer gives its aligner 1 for exact and 0.5 for every other module
// ("best weights for evaluation"), whatever the scoring weights are.
constexpr std::array<double, kMeteorModules> kSearchWeights{1.0, 0.5, 0.5, 0.5};

}  // namespace

// Aligner.align + MeteorScorer.getMeteorStats(Alignment) of METEOR 1.5. Test = line 1, reference = line 2.
MeteorStats Meteor::align(const Sentence& test, const Sentence& ref) const {
  const auto& w1 = test.words;
  const auto& w2 = ref.words;
  const int n1 = static_cast<int>(w1.size()), n2 = static_cast<int>(w2.size());

  // Candidate matches per reference start position, in module order (exact, stem, synonym, paraphrase).
  std::vector<Match> all;
  std::vector<std::vector<int>> at(n2);
  std::vector<int> cov1(n1, 0), cov2(n2, 0);
  auto add = [&](const Match& m) {
    at[m.start].push_back(static_cast<int>(all.size()));
    all.push_back(m);
    for (int k = 0; k < m.match_length; ++k) ++cov1[m.match_start + k];
    for (int k = 0; k < m.length; ++k) ++cov2[m.start + k];
  };
  auto word_match = [](int j, int i, int module) { return Match{j, 1, i, 1, module}; };
  const bool identical = w1 == w2;  // then only exact matches are looked for
  for (int j = 0; j < n2; ++j)
    for (int i = 0; i < n1; ++i)
      if (w1[i] == w2[j]) add(word_match(j, i, 0));
  if (!identical) {
    for (int j = 0; j < n2; ++j)
      for (int i = 0; i < n1; ++i)
        if (w1[i] != w2[j] && w1[i]->stem == w2[j]->stem) add(word_match(j, i, 1));
    for (int j = 0; j < n2; ++j)
      for (int i = 0; i < n1; ++i) {
        if (w1[i] == w2[j]) continue;
        const auto& a = w1[i]->synsets;
        const auto& b = w2[j]->synsets;
        bool shared = false;
        for (size_t x = 0, y = 0; x < a.size() && y < b.size();) {
          if (a[x] < b[y]) ++x;
          else if (b[y] < a[x]) ++y;
          else {
            shared = true;
            break;
          }
        }
        if (shared) add(word_match(j, i, 2));
      }
    if (paraphrases_) {
      // ParaphraseMatcher: table phrases of the reference found in the test, then those of the test found in
      // the reference; equal words are not excluded, unlike the modules above.
      // Where `phrase` occurs in `sentence`, in increasing position: the positions of its first word, checked.
      auto occurrences = [](const Sentence& sentence, ParaphraseTable::Phrase phrase, auto fn) {
        const auto& pos = sentence.paraphrase_positions;
        auto it = std::lower_bound(pos.begin(), pos.end(), std::make_pair(phrase.begin[0], 0));
        for (; it != pos.end() && it->first == phrase.begin[0]; ++it) {
          const size_t at = static_cast<size_t>(it->second);
          if (at + phrase.size() <= sentence.paraphrase_ids.size() &&
              std::equal(phrase.begin + 1, phrase.end, sentence.paraphrase_ids.begin() + at + 1))
            fn(it->second);
        }
      };
      for (int j = 0; j < n2; ++j)
        for (const auto& [length, entry] : ref.paraphrase_paths[j]) {
          const ParaphraseTable::Phrase par = paraphrases_->paraphrase(entry);
          const int par_length = static_cast<int>(par.size());
          occurrences(test, par, [&, j = j, length = length](int i) { add(Match{j, length, i, par_length, 3}); });
        }
      for (int i = 0; i < n1; ++i)
        for (const auto& [length, entry] : test.paraphrase_paths[i]) {
          const ParaphraseTable::Phrase par = paraphrases_->paraphrase(entry);
          const int par_length = static_cast<int>(par.size());
          occurrences(ref, par, [&, i = i, length = length](int j) { add(Match{j, par_length, i, length, 3}); });
        }
    }
  }

  // One-to-one, non-overlapping matches are fixed before the search.
  Path start;
  start.matches.assign(n2, -1);
  start.used1.assign(n1, 0);
  start.used2.assign(n2, 0);
  for (int j = 0; j < n2; ++j) {
    if (at[j].size() != 1) continue;
    const Match& m = all[at[j][0]];
    bool overlap = false;
    for (int k = 0; k < m.length; ++k) overlap |= cov2[m.start + k] != 1;
    for (int k = 0; k < m.match_length; ++k) overlap |= cov1[m.match_start + k] != 1;
    if (overlap) continue;
    start.matches[j] = at[j][0];
    start.set_used(m);
  }

  // Beam search left to right over the reference (Aligner.resolve), with its quirks: the search weights are
  // added to int fields (so a single non-exact word adds nothing, a two-word paraphrase 1), and the distance of
  // a chosen match is added to the path that skips it.
  auto better = [](const Path& x, const Path& y) {
    int mx = x.matches1 + x.matches2, my = y.matches1 + y.matches2;
    if (mx != my) return mx > my;
    if (x.chunks != y.chunks) return x.chunks < y.chunks;
    return x.distance < y.distance;
  };
  auto take = [&](Path& p, const Match& m) {
    const double w = kSearchWeights[m.module];
    p.matches1 = static_cast<int>(p.matches1 + m.match_length * w);
    p.matches2 = static_cast<int>(p.matches2 + m.length * w);
    if (p.last_match_end != -1 && m.match_start != p.last_match_end) ++p.chunks;
    p.idx = m.start + m.length;
    p.last_match_end = m.match_start + m.match_length;
  };
  std::vector<Path> paths, next{start};
  for (int current = 0; current <= n2; ++current) {
    paths.swap(next);
    next.clear();
    std::stable_sort(paths.begin(), paths.end(), better);
    const int n_ranked = std::min<int>(params_.beam_size, static_cast<int>(paths.size()));
    for (int rank = 0; rank < n_ranked; ++rank) {
      Path& path = paths[rank];
      if (current == n2) {
        if (path.last_match_end != -1) ++path.chunks;
        next.push_back(std::move(path));
        continue;
      }
      if (path.used2[current]) {
        if (current < path.idx) {
          next.push_back(std::move(path));
        } else if (path.matches[path.idx] != -1) {
          const Match& m = all[path.matches[path.idx]];
          take(path, m);
          path.distance += std::abs(m.start - m.match_start);
          next.push_back(std::move(path));
        }
        continue;
      }
      for (int k : at[current]) {
        const Match& m = all[k];
        if (path.is_used(m)) continue;
        Path p = path;
        p.set_used(m);
        p.matches[current] = k;
        take(p, m);
        path.distance += std::abs(m.start - m.match_start);
        next.push_back(std::move(p));
      }
      if (path.last_match_end != -1) {
        ++path.chunks;
        path.last_match_end = -1;
      }
      ++path.idx;
      next.push_back(std::move(path));
    }
    if (next.empty()) next.push_back(paths[0]);
  }
  std::stable_sort(next.begin(), next.end(), better);
  const Path& best = next[0];

  MeteorStats st;
  st.test_length = n1;
  st.reference_length = n2;
  for (const Word* w : w1) st.test_function_words += w->function_word;
  for (const Word* w : w2) st.reference_function_words += w->function_word;
  int chunks = 0, last_match_end = -1;
  for (int j = 0; j < n2;) {
    const int k = best.matches[j];
    if (k == -1) {
      if (last_match_end != -1) {
        ++chunks;
        last_match_end = -1;
      }
      ++j;
      continue;
    }
    const Match& m = all[k];
    for (int t = 0; t < m.match_length; ++t)
      (w1[m.match_start + t]->function_word ? st.test_function : st.test_content)[m.module] += 1;
    for (int t = 0; t < m.length; ++t)
      (w2[m.start + t]->function_word ? st.reference_function : st.reference_content)[m.module] += 1;
    if (last_match_end != -1 && m.match_start != last_match_end) ++chunks;
    last_match_end = m.match_start + m.match_length;
    j = m.start + m.length;
  }
  if (last_match_end != -1) ++chunks;
  st.chunks = chunks;
  for (size_t k = 0; k < kMeteorModules; ++k) {
    st.test_total_matches += st.test_content[k] + st.test_function[k];
    st.reference_total_matches += st.reference_content[k] + st.reference_function[k];
  }
  st.test_word_matches = st.test_total_matches;
  st.reference_word_matches = st.reference_total_matches;
  return st;
}

double Meteor::score(const MeteorStats& s) const {
  const double delta = params_.delta, alpha = params_.alpha;
  const double test_len = delta * (s.test_length - s.test_function_words) + (1.0 - delta) * s.test_function_words;
  const double ref_len =
      delta * (s.reference_length - s.reference_function_words) + (1.0 - delta) * s.reference_function_words;
  double test_matches = 0, ref_matches = 0;
  for (size_t k = 0; k < kMeteorModules; ++k) test_matches += s.test_content[k] * params_.module_weights[k] * delta;
  for (size_t k = 0; k < kMeteorModules; ++k) ref_matches += s.reference_content[k] * params_.module_weights[k] * delta;
  for (size_t k = 0; k < kMeteorModules; ++k)
    test_matches += s.test_function[k] * params_.module_weights[k] * (1.0 - delta);
  for (size_t k = 0; k < kMeteorModules; ++k)
    ref_matches += s.reference_function[k] * params_.module_weights[k] * (1.0 - delta);
  const double precision = test_matches / test_len;
  const double recall = ref_matches / ref_len;
  const double fmean = 1.0 / (((1.0 - alpha) / precision) + (alpha / recall));
  double frag;
  if (s.test_total_matches == s.test_length && s.reference_total_matches == s.reference_length && s.chunks == 1)
    frag = 0;
  else
    frag = s.chunks / ((s.test_word_matches + s.reference_word_matches) / 2);
  const double penalty = params_.gamma * std::pow(frag, params_.beta);
  const double score = fmean * (1.0 - penalty);
  if (std::isnan(score)) return 0.0;
  return std::max(score, 0.0);
}

MeteorStats Meteor::stats(const std::string& test, const std::vector<std::string>& references) const {
  if (references.empty()) throw Error(ErrorCode::kInvalidArgument, "METEOR needs at least one reference");
  auto t = sentence(test);
  MeteorStats best;
  double best_score = -1;
  for (const auto& r : references) {
    MeteorStats st = align(*t, *sentence(r));
    double sc = score(st);
    if (sc > best_score) {
      best_score = sc;
      best = st;
    }
  }
  return best;
}

namespace {

// The SCORE line pycocoevalcap writes for one item, parsed back as meteor-1.5.jar's stdio loop does.
std::pair<std::string, std::vector<std::string>> score_line_parts(const std::string& hypothesis,
                                                                  const std::string& reference) {
  const std::string line = "SCORE ||| " + reference + " ||| " + clean_hypothesis(hypothesis);
  std::vector<std::string> parts = split_bars(line);
  std::vector<std::string> refs;
  for (size_t i = 1; i + 1 < parts.size(); ++i) refs.push_back(java_trim(parts[i]));
  std::string test = parts.size() >= 3 ? java_trim(parts.back()) : "";
  if (refs.empty()) refs.push_back("");
  return {test, refs};
}

}  // namespace

double Meteor::pooled_score(const std::vector<std::pair<const std::string*, const std::string*>>& hyp_ref) const {
  MeteorStats sum;
  for (const auto& [hyp, ref] : hyp_ref) {
    auto [test, refs] = score_line_parts(*hyp, *ref);
    sum += stats(test, refs);
  }
  return score(sum);
}

double Meteor::sentence_score(const std::string& hypothesis, const std::string& reference) const {
  auto [test, refs] = score_line_parts(hypothesis, reference);
  return score(stats(test, refs));
}

}  // namespace vidscribe::eval
