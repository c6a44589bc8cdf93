#include "caption/segmentation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vidscribe::caption {

std::vector<double> boundary_drops(const torch::Tensor& frames, int64_t window) {
  torch::NoGradGuard no_grad;
  const auto v = frames.to(torch::kCPU, torch::kDouble).contiguous();  // [T, D]
  const int64_t t = v.size(0);
  std::vector<double> drops;
  if (t < 2) return drops;
  // Prefix sums make every window mean O(D).
  const auto cumulative = torch::cat({torch::zeros({1, v.size(1)}, v.options()), v.cumsum(0)});  // [T+1, D]
  for (int64_t i = 1; i < t; ++i) {
    const int64_t lo = std::max<int64_t>(0, i - window), hi = std::min<int64_t>(t, i + window);
    const auto left = (cumulative[i] - cumulative[lo]) / static_cast<double>(i - lo);
    const auto right = (cumulative[hi] - cumulative[i]) / static_cast<double>(hi - i);
    const double cos = torch::cosine_similarity(left, right, 0, 1e-12).item<double>();
    drops.push_back(1.0 - cos);
  }
  return drops;
}

std::vector<Span> even_spans(int k) {
  std::vector<Span> spans;
  for (int i = 0; i < k; ++i) spans.push_back({double(i) / k, double(i + 1) / k});
  return spans;
}

std::vector<Span> structure_spans(const torch::Tensor& frames, const std::vector<double>& times_s,
                                  double duration_s, const MethodOptions& options) {
  const int64_t t = frames.size(0);
  const int wanted_fixed = options.events;
  const int fallback = wanted_fixed > 0 ? wanted_fixed : std::max(1, options.min_events);
  if (t < 2) return even_spans(fallback);

  const double spacing_s = duration_s / static_cast<double>(t);
  const auto window = std::max<int64_t>(1, std::llround(options.change_window_s / spacing_s));
  const auto drops = boundary_drops(frames, window);

  std::vector<double> sorted = drops;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double threshold =
      wanted_fixed > 0 ? -1.0 : std::max(options.change_min_drop, options.change_median_factor * median);

  // Local maxima (the first of a plateau) above the threshold, strongest first, earlier first on ties.
  std::vector<size_t> peaks;
  for (size_t i = 0; i < drops.size(); ++i) {
    const bool left_ok = i == 0 || drops[i] > drops[i - 1];
    const bool right_ok = i + 1 == drops.size() || drops[i] >= drops[i + 1];
    if (left_ok && right_ok && drops[i] > threshold && drops[i] > 0) peaks.push_back(i);
  }
  std::stable_sort(peaks.begin(), peaks.end(), [&](size_t x, size_t y) { return drops[x] > drops[y]; });

  const int max_segments = wanted_fixed > 0 ? wanted_fixed : std::max(1, options.max_events);
  const double min_len = options.min_segment_s / duration_s;
  std::vector<double> cuts;  // accepted boundaries, normalised time
  for (size_t p : peaks) {
    if (static_cast<int>(cuts.size()) + 1 >= max_segments) break;
    // Boundary p lies between frames p and p+1.
    const double cut = std::clamp((times_s[p] + times_s[p + 1]) / 2 / duration_s, 0.0, 1.0);
    double before = 0, after = 1;
    for (double c : cuts) {
      if (c <= cut) before = std::max(before, c);
      if (c >= cut) after = std::min(after, c);
    }
    if (cut - before >= min_len && after - cut >= min_len) cuts.push_back(cut);
  }
  std::sort(cuts.begin(), cuts.end());
  const int n_segments = static_cast<int>(cuts.size()) + 1;
  const bool too_few = wanted_fixed > 0 ? n_segments < wanted_fixed : n_segments < options.min_events;
  if (too_few) return even_spans(fallback);

  std::vector<Span> spans;
  double start = 0;
  for (double c : cuts) {
    spans.push_back({start, c});
    start = c;
  }
  spans.push_back({start, 1.0});
  return spans;
}

}  // namespace vidscribe::caption
