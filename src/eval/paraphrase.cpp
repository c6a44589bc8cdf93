#include "eval/paraphrase.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

bool is_delim(char c) {  // java.util.StringTokenizer's default delimiters
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Parses the table line by line: three lines per entry.
class Parser {
 public:
  Parser(std::unordered_map<std::string, int32_t>& vocab, std::vector<int32_t>& words,
         std::vector<std::pair<uint32_t, uint32_t>>& spans, const std::string& name)
      : vocab_(vocab), words_(words), spans_(spans), name_(name) {}

  void line(std::string_view text) {
    ++line_no_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const int part = static_cast<int>((line_no_ - 1) % 3);
    if (part == 0) {
      check_probability(text);
      return;
    }
    const size_t offset = words_.size();
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && is_delim(text[i])) ++i;
      size_t j = i;
      while (j < text.size() && !is_delim(text[j])) ++j;
      if (j > i) words_.push_back(intern(text.substr(i, j - i)));
      i = j;
    }
    const size_t length = words_.size() - offset;
    if (length > UINT16_MAX)
      throw Error(ErrorCode::kInvalidArgument, name_ + ": line " + std::to_string(line_no_) + ": phrase of " +
                                                   std::to_string(length) + " words is too long");
    if (offset + length > UINT32_MAX)
      throw Error(ErrorCode::kInvalidArgument, name_ + ": more than 2^32 words in phrases");
    spans_.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(length));
  }

  void finish() const {
    if (line_no_ % 3 != 0)
      throw Error(ErrorCode::kInvalidArgument,
                  name_ + ": the last entry is cut short (line " + std::to_string(line_no_) +
                      "; each entry is three lines: probability, reference phrase, paraphrase)");
  }

 private:
  int32_t intern(std::string_view w) {
    auto [it, added] = vocab_.try_emplace(std::string(w), static_cast<int32_t>(vocab_.size()));
    return it->second;
  }

  // The first line of an entry must be a number: this is what tells a paraphrase table from another file.
  void check_probability(std::string_view text) {
    std::string s(text);
    const char* begin = s.c_str();
    while (*begin == ' ' || *begin == '\t') ++begin;
    char* end = nullptr;
    errno = 0;
    std::strtod(begin, &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    if (end == begin || !end || *end != '\0')
      throw Error(ErrorCode::kInvalidArgument,
                  name_ + ": line " + std::to_string(line_no_) +
                      " is not a probability; a METEOR paraphrase table has three lines per entry: probability, "
                      "reference phrase, paraphrase");
  }

  std::unordered_map<std::string, int32_t>& vocab_;
  std::vector<int32_t>& words_;
  std::vector<std::pair<uint32_t, uint32_t>>& spans_;  // (offset, length) per phrase line
  const std::string& name_;
  size_t line_no_ = 0;
};

// Splits a stream of chunks into lines.
class LineSplitter {
 public:
  explicit LineSplitter(Parser& parser) : parser_(parser) {}
  void feed(std::string_view chunk) {
    size_t pos = 0;
    for (size_t nl; (nl = chunk.find('\n', pos)) != std::string_view::npos; pos = nl + 1) {
      if (pending_.empty()) {
        parser_.line(chunk.substr(pos, nl - pos));
      } else {
        pending_.append(chunk.substr(pos, nl - pos));
        parser_.line(pending_);
        pending_.clear();
      }
    }
    pending_.append(chunk.substr(pos));
  }
  void finish() {
    if (!pending_.empty()) parser_.line(pending_);
    parser_.finish();
  }

 private:
  Parser& parser_;
  std::string pending_;
};

}  // namespace

ParaphraseTable ParaphraseTable::parse(std::string_view text, const std::string& name) {
  ParaphraseTable table;
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  Parser parser(table.vocab_, table.words_, spans, name);
  LineSplitter lines(parser);
  lines.feed(text);
  lines.finish();
  table.finish(spans);
  return table;
}

ParaphraseTable ParaphraseTable::load(const std::filesystem::path& file,
                                      const std::function<void(uint64_t done, uint64_t total)>& progress) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw Error(ErrorCode::kNotFound, file.string() + ": no such file");
  if (std::filesystem::is_directory(file, ec))
    throw Error(ErrorCode::kInvalidArgument, file.string() + ": is a directory, not a paraphrase table");
  struct GzClose {
    void operator()(gzFile_s* f) const { gzclose(f); }
  };
  std::unique_ptr<gzFile_s, GzClose> in(gzopen(file.c_str(), "rb"));
  if (!in) throw Error(ErrorCode::kIo, file.string() + ": cannot open: " + std::strerror(errno));

  const uint64_t file_size = std::filesystem::file_size(file, ec);
  ParaphraseTable table;
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  const std::string name = file.string();
  Parser parser(table.vocab_, table.words_, spans, name);
  LineSplitter lines(parser);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const int n = gzread(in.get(), buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(in.get(), &code);
      throw Error(ErrorCode::kIo, name + ": cannot read: " + (code == Z_ERRNO ? std::strerror(errno) : msg));
    }
    if (n == 0) break;
    lines.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (progress) progress(static_cast<uint64_t>(std::max<z_off_t>(gzoffset(in.get()), 0)), file_size);
  }
  lines.finish();
  table.finish(spans);
  return table;
}

void ParaphraseTable::finish(const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
  for (size_t k = 0; k + 1 < spans.size(); k += 2) {
    const auto& [ref_offset, ref_length] = spans[k];
    const auto& [par_offset, par_length] = spans[k + 1];
    if (ref_length == 0 || par_length == 0) continue;
    entries_.push_back({ref_offset, par_offset, static_cast<uint16_t>(ref_length), static_cast<uint16_t>(par_length)});
  }
  by_reference_.resize(entries_.size());
  for (size_t k = 0; k < entries_.size(); ++k) by_reference_[k] = static_cast<int32_t>(k);
  std::stable_sort(by_reference_.begin(), by_reference_.end(), [this](int32_t a, int32_t b) {
    const Phrase x = reference(a), y = reference(b);
    return std::lexicographical_compare(x.begin, x.end, y.begin, y.end);
  });
}

ParaphraseTable::Phrase ParaphraseTable::reference(int entry) const {
  const Entry& e = entries_[static_cast<size_t>(entry)];
  const int32_t* p = words_.data() + e.reference_offset;
  return {p, p + e.reference_length};
}

ParaphraseTable::Phrase ParaphraseTable::paraphrase(int entry) const {
  const Entry& e = entries_[static_cast<size_t>(entry)];
  const int32_t* p = words_.data() + e.paraphrase_offset;
  return {p, p + e.paraphrase_length};
}

int ParaphraseTable::word_id(const std::string& word) const {
  auto it = vocab_.find(word);
  return it == vocab_.end() ? -1 : it->second;
}

std::vector<std::pair<int, int>> ParaphraseTable::reference_paths(const std::vector<int>& words,
                                                                  size_t start) const {
  std::vector<std::pair<int, int>> out;
  // Entries whose reference phrase starts with words[start, start + length) form one run of by_reference_;
  // the run narrows as the length grows, and the entries of exactly that phrase open it.
  auto lo = by_reference_.begin(), hi = by_reference_.end();
  for (size_t length = 1; start + length <= words.size(); ++length) {
    const int32_t w = words[start + length - 1];
    if (w < 0) break;
    const size_t k = length - 1;  // position compared within the phrases of the run
    // Within the run all phrases share the first k words; order by word k, phrases of length k first.
    auto word_at = [this, k](int32_t entry) -> int64_t {
      const Phrase p = reference(entry);
      return p.size() > k ? p.begin[k] : -1;
    };
    lo = std::lower_bound(lo, hi, w, [&](int32_t entry, int32_t v) { return word_at(entry) < v; });
    hi = std::upper_bound(lo, hi, w, [&](int32_t v, int32_t entry) { return v < word_at(entry); });
    if (lo == hi) break;
    for (auto it = lo; it != hi && reference(*it).size() == length; ++it)
      out.emplace_back(static_cast<int>(length), *it);
  }
  return out;
}

}  // namespace vidscribe::eval
