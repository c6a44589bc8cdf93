// Prints, for every Unicode scalar value, the answers the tokenizers use: "<hex> <L><N><isspace><\s> <lower
// as UTF-8 hex>". check_unicode_tables.py compares them with Python's; not a test (Python's Unicode version
// may differ from ICU's on newly assigned characters).
#include <cstdio>
#include <string>

#include "text/unicode.h"

int main() {
  using namespace vidscribe::text;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string lower = encode_utf8(to_lower(std::u32string(1, cp)));
    std::printf("%X %d%d%d%d ", static_cast<unsigned>(cp), is_letter(cp), is_number(cp), is_python_space(cp),
                is_regex_space(cp));
    for (unsigned char b : lower) std::printf("%02x", b);
    std::printf("\n");
  }
  return 0;
}
