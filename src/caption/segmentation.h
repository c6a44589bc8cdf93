// The video's own structure (method.md section 6, beyond the paper): change points of the frame
// embeddings, merged into segments that choose the event count and initialise the masks.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "caption/moments.h"
#include "vidscribe/options.h"

namespace vidscribe::caption {

// 1 - cos(mean of the `window` frames before boundary i, mean of the `window` frames from it) for every
// boundary i = 1 .. T-1 between frames i-1 and i. frames: [T, D] -> [T - 1] float64 on the CPU.
std::vector<double> boundary_drops(const torch::Tensor& frames, int64_t window);

// Segments of the video in normalised time, covering [0, 1] in order.
// frames: [T, D] L2-normalised; times_s: [T] presentation times; duration_s > 0.
// With options.events == 0 the count follows the structure, within [min_events, max_events]: boundaries
// are local maxima of boundary_drops above max(change_min_drop, change_median_factor * median), taken
// strongest first while every segment stays at least min_segment_s long. With options.events = K > 0,
// the K - 1 strongest boundaries are taken regardless of the thresholds. When too few boundaries exist,
// the result is even_spans() of the wanted count.
std::vector<Span> structure_spans(const torch::Tensor& frames, const std::vector<double>& times_s,
                                  double duration_s, const MethodOptions& options);

// k boxes of equal width side by side over [0, 1] (the fallback of method.md section 2).
std::vector<Span> even_spans(int k);

}  // namespace vidscribe::caption
