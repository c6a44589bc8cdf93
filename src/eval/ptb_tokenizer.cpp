#include "eval/ptb_tokenizer.h"

#include <array>
#include <cctype>

#include "eval/rule_lexer.h"

namespace vidscribe::eval {
namespace {

// What a lexer rule does with its match (PTBLexer.flex 3.4.1 actions, for the options the scorer uses).
enum class Action {
  kEmit,          // the matched text is a token
  kSkip,          // nothing (spaces, untokenizable characters)
  kReplace,       // a fixed token instead of the text (-LRB-, ...)
  kPushback2,     // gonna -> gon + na
  kPushback3,     // cannot -> can + not
  kKeepPeriod,    // token includes the final period, which is then read again as its own token
  kNbsp,          // spaces inside the token become non-breaking spaces (numbers like "1 1/2")
  kQuoteLeft,     // LaTeX quotes: ' -> `, " -> ``
  kQuoteRight,    // " -> ''
  kHyphens,       // 3 or 4 hyphens -> --
  kAmp,           // &amp; -> &
  kBrackets,      // smileys: ( ) [ ] { } written as -LRB- ...
  kPhone,         // parentheses as -LRB- -RRB-, spaces as non-breaking spaces
};

struct Rule {
  std::string pattern;
  std::string trailing;
  Action action;
  std::string replacement;
};

// The rules of PTBLexer.flex reduced to ASCII input (the scorer removes everything else first), in the file's
// order, since the earlier rule wins a tie.
std::vector<Rule> ptb_rules() {
  const std::string letter = "[A-Za-z]";
  const std::string digit = "[0-9]";
  const std::string sgml = R"(<\/?[A-Za-z!][^>]*>)";
  const std::string space = "[ \t]";
  const std::string spaces = "[ \t]+";
  const std::string spacenl = "[ \t\r\n\v\f]";
  const std::string sentend = spacenl + "(" + spacenl + "|[A-Z]|" + sgml + ")";
  const std::string num = digit + "+|" + digit + "*([.:,]" + digit + "+)+";
  const std::string apos = "('|&apos;)";
  const std::string aposetc = apos;
  // Letters and digits, also joined by . ! ? ("hacer!after" stays one token, as in 3.4.1).
  const std::string word =
      letter + "(" + letter + "|" + digit + ")*([.!?]" + letter + "(" + letter + "|" + digit + ")*)*";
  const std::string thing_part = "([dDoOlL]" + aposetc + "[A-Za-z0-9])?[A-Za-z0-9]+";
  const std::string thing = thing_part + "([-_]" + thing_part + ")*";
  const std::string thinga = "[A-Z]+(([+&]|&amp;)[A-Z]+)+";
  const std::string thing3 = R"([A-Za-z0-9]+(-[A-Za-z]+){0,2}(\\?\/[A-Za-z0-9]+(-[A-Za-z]+){0,2}){1,2})";
  const std::string acro = R"([A-Za-z](\.[A-Za-z])+|(Canada|Sino|Korean|EU|Japan|non)-U\.S|U\.S\.-(U\.K|U\.S\.S\.R))";
  const std::string hthing = R"([A-Za-z0-9][A-Za-z0-9.,]*(-([A-Za-z0-9]+|()" + acro + R"()\.))+)";
  const std::string redaux = apos + "([msdMSD]|re|ve|ll)";
  const std::string sword = "[A-Za-z]*[A-MO-Za-mo-z]";
  const std::string sredaux = "n" + aposetc + "t";
  const std::string apoword = apos + "n" + apos + "?|[lLdDjJ]" + apos + "|Dunkin" + apos + "|somethin" + apos +
                              "|ol" + apos + "|" + apos + "em|[A-HJ-XZn]" + aposetc + "[A-Za-z]{2}[A-Za-z]*|" +
                              apos + "[2-9]0s|" + apos + "till?|[A-Za-z][A-Za-z]*[aeiouyAEIOUY]" + aposetc +
                              "[aeiouA-Z][A-Za-z]*|" + apos +
                              R"(cause|cont'd\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)";
  const std::string fullurl = R"(https?:\/\/[^ \t\n\f\r"<>|()]+[^ \t\n\f\r"<>|.!?(){},-])";
  const std::string likelyurl =
      R"(((www\.([^ \t\n\f\r"<>|.!?(){},]+\.)+[a-zA-Z]{2,4})|(([^ \t\n\f\r"`'<>|.!?(){},-_$]+\.)+(com|net|org|edu)))(\/[^ \t\n\f\r"<>|()]+[^ \t\n\f\r"<>|.!?(){},-])?)";
  const std::string email =
      R"((&lt;|<)?[a-zA-Z0-9][^ \t\n\f\r"<>|(){}]*@([^ \t\n\f\r"<>|(){}.]+\.)*([^ \t\n\f\r"<>|(){}\[\].,;:]+)(&gt;|>)?)";
  const std::string abmonth = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
  const std::string abdays = "Mon|Tue|Tues|Wed|Thu|Thurs|Fri";
  const std::string abstate =
      "Ala|Ariz|[A]z|[A]rk|Calif|Colo|Conn|Ct|Dak|[D]el|Fla|Ga|[I]ll|Ind|Kans?|Ky|[L]a|[M]ass|Md|Mich|Minn|[M]iss|"
      "Mo|Mont|Neb|Nev|Okla|[O]re|[P]a|Penn|Tenn|[T]ex|Va|Vt|[W]ash|Wisc?|Wyo";
  const std::string abcomp = "Inc|Cos?|Corp|Pp?tys?|Ltd|Plc|Bancorp|Dept|Bhd|Assn|Univ|Intl|Sys";
  const std::string abnum = "Nos?|Prop|Ph|tel|est|ext|sq|ft";
  const std::string abptit = R"(Jr|Sr|Bros|(Ed|Ph)\.D|Blvd|Rd|Esq)";
  const std::string abbrev1 = "(" + abmonth + "|" + abdays + "|" + abstate + "|" + abcomp + "|" + abnum + "|" +
                              abptit + R"(|etc|al|seq)\.)";
  const std::string abtitle =
      "Mr|Mrs|Ms|[M]iss|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl|Pvt|Mt|Capt|"
      "Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det";
  const std::string abcomp2 = "Invt|Elec|Natl|M[ft]g";
  const std::string abbrev4 =
      abtitle + R"(|vs|Alex|Wm|Jos|Cie|a\.k\.a|cf|TREAS|)" + acro + "|" + abcomp2;
  const std::string abbrev2 = "(" + abbrev4 + R"()\.)";
  const std::string acronym = "(" + acro + R"()\.)";
  const std::string acronym_next =
      spaces +
      R"(([A]bout|[A]ccording|[A]dditionally|[A]fter|[A]n|[A]|[A]s|[A]t|[B]ut|[E]arlier|[H]e|[H]er|[H]ere|[H]owever|[I]f|[I]n|[I]t|[L]ast|[M]any|[M]ore|[M]r\.|[M]s\.|[N]ow|[O]nce|[O]ne|[O]ther|[O]ur|[S]he|[S]ince|[S]o|[S]ome|[S]uch|[T]hat|[T]he|[T]hen|[T]here|[T]hese|[T]hey|[T]his|[W]e|[W]hen|[W]hile|[W]hat|[Y]et|[Y]ou))" +
      space;
  const std::string phone = R"((\([0-9]{3}\) ?|[0-9]{3}[\- .])[0-9]{3}[\- .][0-9]{4})";
  const std::string dblquot = R"("|&quot;)";
  const std::string insentp = "[,;:]";
  const std::string tbspec =
      R"(-(RRB|LRB|RCB|LCB|RSB|LSB)-|C\.D\.s|pro-|anti-|S(&|&amp;)P-500|S(&|&amp;)Ls|Cap)" + apos + "n|c" + apos +
      "est";

  using A = Action;
  return {
      {"cannot", "", A::kPushback3, ""},
      {"gonna|gotta|lemme|gimme|wanna", "", A::kPushback2, ""},
      {sgml, "", A::kEmit, ""},
      {"&(MD|mdash|ndash);", "", A::kReplace, "--"},
      {"&amp;", "", A::kAmp, ""},
      {"&(HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);", "", A::kEmit, ""},
      {word, redaux, A::kEmit, ""},
      {sword, sredaux, A::kEmit, ""},
      {word, "", A::kEmit, ""},
      {apoword, "", A::kEmit, ""},
      {"y" + apos, letter, A::kEmit, ""},
      {fullurl, "", A::kEmit, ""},
      {likelyurl, "", A::kEmit, ""},
      {email, "", A::kEmit, ""},
      {"@[a-zA-Z_][a-zA-Z_0-9]*|#" + letter + "(" + letter + "|" + digit + "|_)*(" + letter + "|" + digit + ")", "",
       A::kEmit, ""},
      {R"([<>]?[:;=][\-o\*']?[\(\)DPdpO\\{@\|\[\]])", "[^A-Za-z]", A::kBrackets, ""},
      {redaux, "[^A-Za-z]", A::kQuoteRight, ""},
      {sredaux, "", A::kQuoteRight, ""},
      {digit + "{1,2}[\\-\\/]" + digit + "{1,2}[\\-\\/]" + digit + "{2,4}", "", A::kEmit, ""},
      {"[\\-+]?(" + num + ")", "", A::kEmit, ""},
      {"(" + digit + "{1,4}[- ])?" + digit + "{1,4}(\\\\?\\/)" + digit + "{1,4}", "", A::kNbsp, ""},
      {tbspec, "", A::kAmp, ""},
      {thing3, "", A::kEmit, ""},
      {"([A-Z]*\\$|#)", "", A::kEmit, ""},
      {acronym, acronym_next, A::kKeepPeriod, ""},
      {abbrev1, sentend, A::kKeepPeriod, ""},
      {abbrev1, "", A::kEmit, ""},
      {abbrev2, "", A::kEmit, ""},
      {"(" + abbrev4 + ")", space, A::kEmit, ""},
      {"(" + acro + ")", spacenl, A::kEmit, ""},
      {apos + "[0-9][0-9]", spacenl, A::kEmit, ""},
      {word + "\\.", insentp, A::kEmit, ""},
      {phone, "", A::kPhone, ""},
      {dblquot, "[A-Za-z0-9$]", A::kQuoteLeft, ""},
      {dblquot, "", A::kQuoteRight, ""},
      {"\\+", "", A::kEmit, ""},
      {"[%&]", "", A::kEmit, ""},
      {"\\~|\\^", "", A::kEmit, ""},
      {"\\|", "", A::kEmit, ""},
      {"\\\\|\x7f", "", A::kSkip, ""},
      {"\\[", "", A::kReplace, "-LSB-"},
      {"\\]", "", A::kReplace, "-RSB-"},
      {"\\{", "", A::kReplace, "-LCB-"},
      {"\\}", "", A::kReplace, "-RCB-"},
      {"\\(", "", A::kReplace, "-LRB-"},
      {"\\)", "", A::kReplace, "-RRB-"},
      {"<|&lt;", "", A::kEmit, ""},
      {">|&gt;", "", A::kEmit, ""},
      {"\\-+", "", A::kHyphens, ""},
      {"\\.\\.\\.+", "", A::kReplace, "..."},
      {"@+|#+|_+", "", A::kEmit, ""},
      {"\\*+|(\\\\\\*){1,3}", "", A::kEmit, ""},
      {insentp, "", A::kEmit, ""},
      {"[?!]+", "", A::kEmit, ""},
      {"\\.", "", A::kEmit, ""},
      {"=", "", A::kEmit, ""},
      {"\\/", "", A::kEmit, ""},
      {hthing + "\\.", insentp, A::kEmit, ""},
      {hthing, "", A::kEmit, ""},
      {thing + "\\.", insentp, A::kEmit, ""},
      {thing, "", A::kEmit, ""},
      {thinga + "\\.", insentp, A::kAmp, ""},
      {thinga, "", A::kAmp, ""},
      {"'", "[A-Za-z][^ \t\n\r]", A::kQuoteLeft, ""},
      {redaux, "", A::kQuoteRight, ""},
      {apos + "|''|`{1,2}", "", A::kQuoteRight, ""},
      {spaces, "", A::kSkip, ""},
      {"\r|\r?\n|\v|\f", "", A::kSkip, ""},
      {".", "", A::kSkip, ""},
  };
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  size_t i = 0;
  while ((i = s.find(from, i)) != std::string::npos) {
    s.replace(i, from.size(), to);
    i += to.size();
  }
  return s;
}

std::string latex_quotes(std::string s, bool left) {
  s = replace_all(std::move(s), "&apos;", "'");
  s = replace_all(std::move(s), "&quot;", "\"");
  std::string out;
  for (char c : s) {
    if (c == '\'') out += left ? "`" : "'";
    else if (c == '"') out += left ? "``" : "''";
    else out += c;
  }
  return out;
}

std::string ptb_brackets(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '(': out += "-LRB-"; break;
      case ')': out += "-RRB-"; break;
      case '[': out += "-LSB-"; break;
      case ']': out += "-RSB-"; break;
      case '{': out += "-LCB-"; break;
      case '}': out += "-RCB-"; break;
      default: out += c;
    }
  }
  return out;
}

bool is_scorer_punctuation(const std::string& t) {
  static const std::array<const char*, 17> kPunct = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
                                                     "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};
  for (const char* p : kPunct)
    if (t == p) return true;
  return false;
}

}  // namespace

struct PtbTokenizer::Impl {
  detail::RuleLexer lexer;
  std::vector<Rule> rules = ptb_rules();
  Impl() {
    for (const Rule& r : rules) lexer.add_rule(r.pattern, r.trailing, /*caseless=*/true);
  }
};

PtbTokenizer::PtbTokenizer() : impl_(std::make_unique<Impl>()) {}
PtbTokenizer::~PtbTokenizer() = default;
PtbTokenizer::PtbTokenizer(PtbTokenizer&&) noexcept = default;
PtbTokenizer& PtbTokenizer::operator=(PtbTokenizer&&) noexcept = default;

std::vector<std::string> PtbTokenizer::ptb_tokens(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    detail::RuleLexer::Match m = impl_->lexer.longest(text, pos);
    if (m.rule < 0) {  // cannot happen: the last rule takes any single character
      ++pos;
      continue;
    }
    const Rule& rule = impl_->rules[m.rule];
    std::string tok(text.substr(pos, m.length));
    size_t advance = m.length;
    switch (rule.action) {
      case Action::kEmit: break;
      case Action::kSkip: tok.clear(); break;
      case Action::kReplace: tok = rule.replacement; break;
      case Action::kPushback2: tok.resize(tok.size() - 2); advance = tok.size(); break;
      case Action::kPushback3: tok.resize(tok.size() - 3); advance = tok.size(); break;
      case Action::kKeepPeriod: advance = m.length - 1; break;
      case Action::kNbsp: tok = replace_all(tok, " ", "\xC2\xA0"); break;
      case Action::kQuoteLeft: tok = latex_quotes(tok, true); break;
      case Action::kQuoteRight: tok = latex_quotes(tok, false); break;
      case Action::kHyphens:
        if (tok.size() >= 3 && tok.size() <= 4) tok = "--";
        break;
      case Action::kAmp: tok = replace_all(replace_all(tok, "&amp;", "&"), "&AMP;", "&"); break;
      case Action::kBrackets: tok = ptb_brackets(tok); break;
      case Action::kPhone: tok = ptb_brackets(replace_all(tok, " ", "\xC2\xA0")); break;
    }
    pos += advance;
    if (tok.empty()) continue;
    for (char& c : tok) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(std::move(tok));
  }
  return out;
}

std::string PtbTokenizer::tokenize_caption(std::string_view raw) {
  std::string text = remove_non_ascii(raw);
  for (char& c : text)
    if (c == '\n') c = ' ';
  text += '\n';  // each caption is a line of the file the official tokenizer reads
  std::string joined;
  for (const std::string& t : ptb_tokens(text)) {
    if (is_scorer_punctuation(t)) continue;
    if (!joined.empty()) joined += ' ';
    joined += t;
  }
  return joined;
}

std::string remove_non_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t j = i + 1;
    while (j < i + len && j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    out += ' ';
    i = j;
  }
  return out;
}

}  // namespace vidscribe::eval
