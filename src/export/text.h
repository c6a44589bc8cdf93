// Text and time helpers shared by the writers: UTF-8 cleaning, one-line captions, timecodes, escapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vidscribe/captions.h"

namespace vidscribe::exporter {

// `s` as valid UTF-8: every byte that does not start a well-formed sequence (overlong forms, surrogates and
// code points above U+10FFFF included) becomes U+FFFD.
std::string sanitize_utf8(std::string_view s);

// A caption fit for one subtitle or chapter line: valid UTF-8, control characters and line breaks (CR, LF,
// U+0085, U+2028, U+2029) turned into spaces, runs of spaces and tabs collapsed to one space, trimmed.
std::string one_line(std::string_view caption);

// Seconds rounded to the nearest whole millisecond, halves away from zero (0.9995 -> 1000).
// REQUIRES: finite, >= 0.
int64_t to_ms(double seconds);

// "HH:MM:SS<sep>mmm" (SRT: sep ','; WebVTT: sep '.'); hours take more digits past 99.
std::string clock_ms(int64_t ms, char sep);

// "MM:SS", or "H:MM:SS" when `with_hours`. Whole seconds.
std::string clock_s(int64_t seconds, bool with_hours);

// WebVTT cue text: '&', '<' and '>' as character references, so "-->" and tags cannot appear.
std::string escape_vtt(std::string_view text);

// FFmpeg metadata value: '=', ';', '#', '\\' and newline preceded by a backslash (ffmpeg-formats, "Metadata").
std::string escape_ffmetadata(std::string_view text);

// Checks the contract of captions.h that the writers rely on: every event time finite, 0 <= start_s <= end_s,
// duration_s finite and >= 0. Throws Error(kInvalidArgument) naming the video and the event.
void check_times(const VideoCaptions& video);

}  // namespace vidscribe::exporter
