#include "export/text.h"

#include <cmath>
#include <cstdio>

#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (1..4), or 0 if the byte there starts none.
// Follows the table of well-formed byte sequences in the Unicode standard (section 3.9, table 3-7).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

bool is_line_break_sequence(std::string_view seq) {
  return seq == "\xC2\x85" || seq == "\xE2\x80\xA8" || seq == "\xE2\x80\xA9";  // U+0085, U+2028, U+2029
}

}  // namespace

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string one_line(std::string_view caption) {
  std::string clean = sanitize_utf8(caption);
  std::string out;
  out.reserve(clean.size());
  bool pending_space = false;
  for (size_t i = 0; i < clean.size();) {
    size_t len = utf8_sequence_length(clean, i);
    std::string_view seq(clean.data() + i, len);
    i += len;
    unsigned char c = static_cast<unsigned char>(seq[0]);
    bool blank = (len == 1 && (c < 0x20 || c == 0x7F || c == ' ')) || is_line_break_sequence(seq);
    if (blank) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out.append(seq);
  }
  return out;
}

int64_t to_ms(double seconds) { return std::llround(seconds * 1000.0); }

std::string clock_ms(int64_t ms, char sep) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld", static_cast<long long>(ms / 3600000),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60), sep,
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string clock_s(int64_t seconds, bool with_hours) {
  char buf[48];
  if (with_hours) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  }
  return buf;
}

std::string escape_vtt(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_ffmetadata(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '=' || c == ';' || c == '#' || c == '\\' || c == '\n') out += '\\';
    out += c;
  }
  return out;
}

void check_times(const VideoCaptions& video) {
  if (!std::isfinite(video.duration_s) || video.duration_s < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "video " + video.video + ": duration " + std::to_string(video.duration_s) + " is not a time");
  }
  for (size_t i = 0; i < video.events.size(); ++i) {
    const Event& e = video.events[i];
    if (!std::isfinite(e.start_s) || !std::isfinite(e.end_s) || e.start_s < 0 || e.end_s < e.start_s) {
      throw Error(ErrorCode::kInvalidArgument,
                  "video " + video.video + ", event " + std::to_string(i + 1) + ": times [" +
                      std::to_string(e.start_s) + ", " + std::to_string(e.end_s) +
                      "] are not 0 <= start <= end");
    }
  }
}

}  // namespace vidscribe::exporter
