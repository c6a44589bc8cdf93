#include "eval/wordnet.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

constexpr std::array<const char*, 4> kPos{"noun", "verb", "adj", "adv"};

std::string read_required(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorCode::kNotFound, path.string() +
                                          ": WordNet 3.0 file not found (install Debian's wordnet-base, or set "
                                          "VIDSCRIBE_WORDNET_DIR to a folder with index.* and *.exc)");
  return util::read_file(path);
}

// Calls fn(line) for each line of text.
template <typename Fn>
void for_each_line(const std::string& text, Fn fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    fn(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
  }
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Where Debian's rebuilt data files differ in layout from the released WordNet 3.0 files: in data.<pos>, the
// synsets at Debian offsets [first, end) sit `shift` bytes later than in the release.
struct OffsetShift {
  size_t pos;
  int64_t first, end, shift;
};
constexpr std::array<OffsetShift, 2> kDebianShifts{{{1, 613036, 2422967, 18}, {2, 1681478, INT64_MAX, 1}}};

// Debian's layout: a synset line starts at each shifted range's first offset (in the release it starts
// `shift` bytes earlier, inside another line).
bool has_debian_layout(const std::filesystem::path& dir) {
  for (const auto& s : kDebianShifts) {
    std::ifstream in(dir / (std::string("data.") + kPos[s.pos]), std::ios::binary);
    if (!in) return false;
    in.seekg(s.first - 1);
    char buf[10] = {};
    in.read(buf, sizeof buf);
    char want[10];
    std::snprintf(want, sizeof want, "%08lld ", static_cast<long long>(s.first));
    if (!in || buf[0] != '\n' || std::string(buf + 1, 9) != std::string(want, 9)) return false;
  }
  return true;
}

}  // namespace

std::filesystem::path WordNet::default_dir() {
  if (const char* d = std::getenv("VIDSCRIBE_WORDNET_DIR"); d && *d) return d;
  if (const char* d = std::getenv("WNSEARCHDIR"); d && *d) return d;
  return "/usr/share/wordnet";
}

WordNet WordNet::load(const std::filesystem::path& dir) {
  WordNet wn;
  wn.remapped_ = has_debian_layout(dir);
  for (size_t p = 0; p < kPos.size(); ++p) {
    const auto path = dir / (std::string("index.") + kPos[p]);
    const std::string text = read_required(path);
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset [synset_offset...]
    for_each_line(text, [&](std::string_view line) {
      if (line.empty() || line[0] == ' ') return;  // licence header
      auto f = split_ws(line);
      if (f.size() < 4) throw Error(ErrorCode::kCorruptModel, path.string() + ": malformed line");
      const int n_synsets = std::atoi(std::string(f[2]).c_str());
      const int n_pointers = std::atoi(std::string(f[3]).c_str());
      const size_t first = 4 + static_cast<size_t>(n_pointers) + 2;
      if (n_synsets < 0 || first + static_cast<size_t>(n_synsets) != f.size())
        throw Error(ErrorCode::kCorruptModel, path.string() + ": malformed line for " + std::string(f[0]));
      auto& ids = wn.synsets_[std::string(f[0])];
      for (size_t i = first; i < f.size(); ++i) {
        SynsetId offset = std::atoll(std::string(f[i]).c_str());
        if (wn.remapped_)
          for (const auto& s : kDebianShifts)
            if (s.pos == p && offset >= s.first && offset < s.end) offset -= s.shift;
        ids.push_back(offset);
      }
    });
    // Exception list: "form base [base...]".
    const auto exc_path = dir / (std::string(kPos[p]) + ".exc");
    for_each_line(read_required(exc_path), [&](std::string_view line) {
      auto f = split_ws(line);
      if (f.size() < 2) return;
      auto& bases = wn.exceptions_[std::string(f[0])];
      for (size_t i = 1; i < f.size(); ++i) {
        std::string b(f[i]);
        if (std::find(bases.begin(), bases.end(), b) == bases.end()) bases.push_back(std::move(b));
      }
    });
  }
  for (auto& [word, ids] : wn.synsets_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return wn;
}

const std::vector<SynsetId>& WordNet::synsets(const std::string& word) const {
  static const std::vector<SynsetId> kNone;
  auto it = synsets_.find(word);
  return it == synsets_.end() ? kNone : it->second;
}

const std::vector<std::string>& WordNet::exception_bases(const std::string& form) const {
  static const std::vector<std::string> kNone;
  auto it = exceptions_.find(form);
  return it == exceptions_.end() ? kNone : it->second;
}

// WordNet 3.0's morphy suffix rules in METEOR's order: nouns, verbs, adjectives; the first rewrite that gives
// a known word wins. Words ending in "ss" or of at most 2 letters are their own base.
std::string WordNet::morph(const std::string& word) const {
  static constexpr std::array<const char*, 20> kSuffix{"s",  "ses", "xes", "zes", "ches", "shes", "men",
                                                       "ies", "s",   "ies", "es",  "es",   "ed",   "ed",
                                                       "ing", "ing", "er",  "est", "er",   "est"};
  static constexpr std::array<const char*, 20> kEnding{"",  "s", "x", "z", "ch", "sh", "man", "y", "",  "y",
                                                       "e", "",  "e", "",  "e",  "",   "",    "",  "e", "e"};
  if (ends_with(word, "ss") || word.size() <= 2) return word;
  for (size_t i = 0; i < kSuffix.size(); ++i) {
    if (!ends_with(word, kSuffix[i])) continue;
    std::string base = word.substr(0, word.size() - std::char_traits<char>::length(kSuffix[i])) + kEnding[i];
    if (synsets_.count(base)) return base;
  }
  return "";
}

std::vector<SynsetId> WordNet::stem_synsets(const std::string& word) const {
  const auto& bases = exception_bases(word);
  if (bases.empty()) return synsets(morph(word));
  std::vector<SynsetId> out;
  for (const auto& b : bases) {
    const auto& s = synsets(b);
    out.insert(out.end(), s.begin(), s.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<SynsetId> WordNet::all_synsets(const std::string& word) const {
  std::vector<SynsetId> out = synsets(word);
  std::vector<SynsetId> stem = stem_synsets(word);
  out.insert(out.end(), stem.begin(), stem.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace vidscribe::eval
