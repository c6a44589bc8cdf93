// Unicode helpers for the tokenizers: UTF-8 conversion with replacement, character classes and lower case
// with Python's semantics (ICU supplies the Unicode data).
#pragma once

#include <string>
#include <string_view>

namespace vidscribe::text {

// Decodes UTF-8. Every ill-formed sequence (lone continuation byte, truncated multi-byte sequence, overlong
// form, surrogate, value above U+10FFFF, byte F5..FF) becomes one U+FFFD per maximal subpart, exactly as
// Python's bytes.decode("utf-8", errors="replace") does. Never reads outside `bytes`.
std::u32string decode_utf8(std::string_view bytes);

// True when `bytes` is well-formed UTF-8 (what decode_utf8 would keep unchanged).
bool is_valid_utf8(std::string_view bytes);

// Appends the UTF-8 form of `cp` (REQUIRES: a Unicode scalar value, i.e. no surrogate, <= U+10FFFF).
void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view text);

// \p{L}: general category Lu, Ll, Lt, Lm or Lo.
bool is_letter(char32_t cp);
// \p{N}: general category Nd, Nl or No.
bool is_number(char32_t cp);
// Python's str.isspace(): bidirectional class WS, B or S, or general category Zs (includes U+001C..U+001F).
bool is_python_space(char32_t cp);
// \s of the `regex` module that the reference tokenizers use: the Unicode White_Space property
// (unlike str.isspace(), excludes U+001C..U+001F).
bool is_regex_space(char32_t cp);

// Python's str.lower(): full lower-case mapping (U+0130 -> "i\u0307") with the final-sigma rule.
std::u32string to_lower(std::u32string_view text);

// Python's str.strip() with no argument: removes leading and trailing is_python_space() characters.
std::u32string_view strip_python_space(std::u32string_view text);

}  // namespace vidscribe::text
