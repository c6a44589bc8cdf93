#include "text/html_unescape.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>

namespace vidscribe::text {

namespace {

struct Entity {
  const char* name;
  char32_t cp;
  bool legacy;  // also recognised without the semicolon
};

constexpr Entity kEntities[] = {
#include "text/html_entities.inc"
};

constexpr size_t kMaxNameLength = 32;  // Python's pattern reads at most 32 name characters

// The entity called `name`; `with_semicolon` false requires a legacy name.
std::optional<char32_t> find_entity(std::u32string_view name, bool with_semicolon) {
  std::string ascii;
  for (char32_t cp : name) {
    if (cp >= 0x80) return std::nullopt;  // every known name is ASCII
    ascii.push_back(static_cast<char>(cp));
  }
  const auto* end = std::end(kEntities);
  const auto* it = std::lower_bound(std::begin(kEntities), end, ascii,
                                    [](const Entity& e, const std::string& key) { return key.compare(e.name) > 0; });
  if (it == end || ascii != it->name) return std::nullopt;
  if (!with_semicolon && !it->legacy) return std::nullopt;
  return it->cp;
}

// Windows-1252 meanings of 0x80..0x9F, which the HTML standard gives numeric references in that range.
constexpr char32_t kWindows1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

// Code points the HTML standard forbids in references; Python drops them.
bool is_dropped_code_point(uint32_t v) {
  return (v >= 0x01 && v <= 0x08) || v == 0x0B || (v >= 0x0E && v <= 0x1F) || (v >= 0x7F && v <= 0x9F) ||
         (v >= 0xFDD0 && v <= 0xFDEF) || (v & 0xFFFE) == 0xFFFE;
}

// Appends the replacement of numeric reference `value` (`overflow`: it exceeded U+10FFFF while parsing).
void append_numeric(std::u32string& out, uint32_t value, bool overflow) {
  if (overflow) {
    out.push_back(0xFFFD);
  } else if (value == 0) {
    out.push_back(0xFFFD);
  } else if (value == 0x0D) {
    out.push_back(0x0D);
  } else if (value >= 0x80 && value <= 0x9F) {
    out.push_back(kWindows1252[value - 0x80]);
  } else if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
    out.push_back(0xFFFD);
  } else if (!is_dropped_code_point(value)) {
    out.push_back(value);
  }
}

int digit_value(char32_t c, int base) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (base == 16 && c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (base == 16 && c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

bool is_name_char(char32_t c) {
  return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
}

}  // namespace

std::u32string html_unescape(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i + 1;
    if (j < n && text[j] == '#') {
      int base = 10;
      size_t k = j + 1;
      if (k < n && (text[k] == 'x' || text[k] == 'X')) {
        base = 16;
        ++k;
      }
      if (k >= n || digit_value(text[k], base) < 0) {  // "&#" without digits: no reference
        out.push_back(text[i++]);
        continue;
      }
      uint32_t value = 0;
      bool overflow = false;
      for (; k < n && digit_value(text[k], base) >= 0; ++k) {
        value = value * base + static_cast<uint32_t>(digit_value(text[k], base));
        if (value > 0x10FFFF) {
          overflow = true;
          value = 0x110000;  // stays above the limit without wrapping
        }
      }
      if (k < n && text[k] == ';') ++k;
      append_numeric(out, value, overflow);
      i = k;
      continue;
    }
    size_t k = j;
    while (k < n && k - j < kMaxNameLength && is_name_char(text[k])) ++k;
    if (k == j) {  // "&" followed by a delimiter
      out.push_back(text[i++]);
      continue;
    }
    const std::u32string_view name = text.substr(j, k - j);
    const bool semicolon = k < n && text[k] == ';';
    const size_t end = semicolon ? k + 1 : k;
    i = end;
    if (auto cp = find_entity(name, semicolon)) {
      out.push_back(*cp);
      continue;
    }
    // Longest legacy name that is a proper prefix of the reference (at least two characters), as Python.
    const std::u32string_view whole = text.substr(j, end - j);
    bool found = false;
    for (size_t len = whole.size() - 1; len >= 2 && !found; --len) {
      if (auto cp = find_entity(whole.substr(0, len), false)) {
        out.push_back(*cp);
        out.append(whole.substr(len));
        found = true;
      }
    }
    if (!found) {
      out.push_back('&');
      out.append(whole);
    }
  }
  return out;
}

}  // namespace vidscribe::text
