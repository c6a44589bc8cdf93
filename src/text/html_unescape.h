// HTML character-reference decoding with the semantics of Python's html.unescape (CLIP's basic_clean).
#pragma once

#include <string>
#include <string_view>

namespace vidscribe::text {

// Replaces character references in `text` the way Python's html.unescape does:
// - numeric: "&#DDD", "&#xHHH" (semicolon optional); 0 and surrogates and values above U+10FFFF become
//   U+FFFD, 0x80..0x9F are read as Windows-1252, 0x0D stays CR, the other HTML-invalid code points
//   (C0/C1 controls other than whitespace, U+FDD0..U+FDEF, U+xxFFFE/U+xxFFFF) are dropped;
// - named: the reference "&name;" or, for legacy names, "&name" followed by anything, with Python's
//   longest-prefix rule ("&ampx" -> "&x", "&notit;" -> "\u00ACit;");
// - anything else is left as it is. The text is scanned once: the output is not rescanned.
// Named references cover the HTML 4.01 set plus &apos; (see html_entities.inc); names defined only by HTML5
// (e.g. "&NewLine;", "&bigstar;") are left unchanged, where Python would replace them.
std::u32string html_unescape(std::u32string_view text);

}  // namespace vidscribe::text
