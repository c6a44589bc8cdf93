// Chapters from events: events may overlap, chapters partition the timeline. Used by the YouTube and FFmpeg
// chapter writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vidscribe/captions.h"

namespace vidscribe::exporter {

struct Chapter {
  int64_t start_ms = 0;
  int64_t end_ms = 0;   // the next chapter's start; the video's end for the last one
  std::string title;    // one_line() of the caption of the event that opened the chapter; may be empty
};

struct ChapterRules {
  int64_t min_length_ms = 1;    // every chapter at least this long (YouTube: 10 s)
  int64_t granularity_ms = 1;   // chapter starts rounded to a multiple of this (YouTube: whole seconds)
};

// The rule (docs/output-formats.md, "Chapters"):
// 1. The video ends at duration_s, or at the last event end when duration_s is 0.
// 2. Events in order of start (ties keep their order); each start rounded to the granularity.
// 3. The first event opens a chapter at 0, whatever its start. Each later event opens a chapter at its start
//    unless that start is less than min_length_ms after the current chapter's start, or its title equals the
//    current chapter's: then it is merged into the current chapter (which keeps its title).
// 4. While the last chapter is shorter than min_length_ms before the video's end, it is dropped and the one
//    before it extends to the end (possibly leaving no chapter at all).
// The result is ascending, non-overlapping, gap-free, starts at 0 and ends at the video's end.
// REQUIRES: check_times(video) passed.
std::vector<Chapter> derive_chapters(const VideoCaptions& video, const ChapterRules& rules);

}  // namespace vidscribe::exporter
