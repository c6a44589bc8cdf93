// Reading the result (method.md section 5): sorting events and dropping near-duplicates.
#pragma once

#include <vector>

#include "vidscribe/captions.h"

namespace vidscribe::caption {

// Temporal IoU of two events' [start_s, end_s] (0 when both are empty).
double temporal_iou(const Event& x, const Event& y);

// Sorts by start time (then end time, then caption) and drops every event whose caption equals that of a
// higher-scoring event (earlier on equal scores) with temporal IoU above max_tiou.
std::vector<Event> finalize_events(std::vector<Event> events, double max_tiou);

}  // namespace vidscribe::caption
