#include "server/http_range.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <vector>

namespace vidscribe::server {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
  return s.substr(a, b - a);
}

// Decimal digits only, no sign, no overflow.
std::optional<uint64_t> number(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (const char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

ByteRange parse_range(const std::string& header, uint64_t size) {
  ByteRange out;
  const std::string h = trim(header);
  if (h.empty()) return out;
  if (h.size() < 6 || h.compare(0, 6, "bytes=") != 0) return out;  // another unit: ignored, as RFC 9110 says
  ByteRange bad;
  bad.kind = ByteRange::Kind::kUnsatisfiable;
  std::vector<std::string> specs;
  size_t start = 6;
  while (true) {
    const size_t comma = h.find(',', start);
    specs.push_back(trim(h.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
    if (specs.size() > static_cast<size_t>(kMaxRanges)) return bad;
  }
  uint64_t lo = std::numeric_limits<uint64_t>::max(), hi = 0;
  bool any = false;
  for (const std::string& spec : specs) {
    const size_t dash = spec.find('-');
    if (dash == std::string::npos) return bad;
    const std::string a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
    uint64_t first = 0, last = 0;
    if (a.empty()) {  // the last n bytes
      const std::optional<uint64_t> n = number(b);
      if (!n || *n == 0) return bad;
      if (size == 0) continue;
      first = *n >= size ? 0 : size - *n;
      last = size - 1;
    } else {
      const std::optional<uint64_t> f = number(a);
      if (!f) return bad;
      std::optional<uint64_t> l;
      if (!b.empty()) {
        l = number(b);
        if (!l || *l < *f) return bad;
      }
      if (*f >= size) continue;  // outside the file: this spec is not satisfiable
      first = *f;
      last = l ? std::min(*l, size - 1) : size - 1;
    }
    any = true;
    lo = std::min(lo, first);
    hi = std::max(hi, last);
  }
  if (!any) return bad;
  out.kind = ByteRange::Kind::kPart;
  out.first = lo;
  out.last = hi;
  return out;
}

}  // namespace vidscribe::server
