#include "text/unicode.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <cstdint>
#include <vector>

#include "vidscribe/error.h"

namespace vidscribe::text {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

bool is_valid_utf8(std::string_view bytes) { return encode_utf8(decode_utf8(bytes)) == bytes; }

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b0 = s[i];
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (Unicode table 3-7, well-formed byte sequences);
    // narrowing the second byte is what rejects overlongs, surrogates and values above U+10FFFF.
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {  // 80..C1 (continuation or overlong lead) and F5..FF never start a character
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    char32_t cp = b0 & (0xFF >> (len + 1));
    size_t k = 1;
    for (; k < len; ++k) {
      if (i + k >= n) break;
      const uint8_t b = s[i + k];
      if (k == 1 ? (b < lo || b > hi) : !is_continuation(b)) break;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (k == len) {
      out.push_back(cp);
    } else {
      out.push_back(kReplacement);  // one replacement for the valid prefix; the offending byte is rescanned
    }
    i += k;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

bool is_letter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_L_MASK) != 0;
}

bool is_number(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_N_MASK) != 0;
}

bool is_python_space(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  const auto c = static_cast<UChar32>(cp);
  if (u_charType(c) == U_SPACE_SEPARATOR) return true;
  const UCharDirection dir = u_charDirection(c);
  return dir == U_WHITE_SPACE_NEUTRAL || dir == U_BLOCK_SEPARATOR || dir == U_SEGMENT_SEPARATOR;
}

bool is_regex_space(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  return u_isUWhiteSpace(static_cast<UChar32>(cp)) != 0;
}

std::u32string to_lower(std::u32string_view text) {
  bool ascii = true;
  for (char32_t cp : text) ascii = ascii && cp < 0x80;
  if (ascii) {
    std::u32string out(text);
    for (char32_t& cp : out) {
      if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    }
    return out;
  }
  // ICU works on UTF-16; the root locale ("") gives the language-independent full mapping Python uses,
  // final sigma included.
  UErrorCode status = U_ZERO_ERROR;
  int32_t n16 = 0;
  const auto* src32 = reinterpret_cast<const UChar32*>(text.data());
  const auto n32 = static_cast<int32_t>(text.size());
  u_strFromUTF32(nullptr, 0, &n16, src32, n32, &status);
  status = U_ZERO_ERROR;
  std::vector<UChar> src16(static_cast<size_t>(n16) + 1);
  u_strFromUTF32WithSub(src16.data(), n16 + 1, &n16, src32, n32, 0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) throw Error(ErrorCode::kInternal, "ICU: UTF-32 to UTF-16 failed");

  std::vector<UChar> lower(static_cast<size_t>(n16) * 3 + 8);  // full mappings grow at most 3x
  status = U_ZERO_ERROR;
  const int32_t n_lower = u_strToLower(lower.data(), static_cast<int32_t>(lower.size()), src16.data(), n16, "",
                                       &status);
  if (U_FAILURE(status)) throw Error(ErrorCode::kInternal, "ICU: lower-case mapping failed");

  std::u32string out(static_cast<size_t>(n_lower), U'\0');
  int32_t n_out = 0;
  status = U_ZERO_ERROR;
  u_strToUTF32WithSub(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), &n_out,
                      lower.data(), n_lower, 0xFFFD, nullptr, &status);
  if (U_FAILURE(status) && status != U_STRING_NOT_TERMINATED_WARNING) {
    throw Error(ErrorCode::kInternal, "ICU: UTF-16 to UTF-32 failed");
  }
  out.resize(static_cast<size_t>(n_out));
  return out;
}

std::u32string_view strip_python_space(std::u32string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_python_space(text[begin])) ++begin;
  while (end > begin && is_python_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

}  // namespace vidscribe::text
