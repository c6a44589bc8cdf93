// Reading the result (method.md section 5): sorting events, dropping near-duplicates, and merging the
// pieces of one scene that got the same caption.
#pragma once

#include <vector>

#include "vidscribe/captions.h"

namespace vidscribe::caption {

// Temporal IoU of two events' [start_s, end_s] (0 when both are empty).
double temporal_iou(const Event& x, const Event& y);

// Sorts by start time (then end time, then caption) and drops every event whose caption equals that of a
// higher-scoring event (earlier on equal scores) with temporal IoU above max_tiou.
std::vector<Event> finalize_events(std::vector<Event> events, double max_tiou);

// Events with the same caption whose spans overlap or lie at most `gap_s` apart become one event: the union
// of their spans with the highest of their scores (ours). Repeats until no such pair is left; order is by
// start time afterwards.
std::vector<Event> merge_same_captions(std::vector<Event> events, double gap_s);

}  // namespace vidscribe::caption
