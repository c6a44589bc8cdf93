#include "caption/events.h"

#include <algorithm>
#include <numeric>

#include "caption/moments.h"

namespace vidscribe::caption {

double temporal_iou(const Event& x, const Event& y) {
  return temporal_iou(Span{x.start_s, x.end_s}, Span{y.start_s, y.end_s});
}

std::vector<Event> finalize_events(std::vector<Event> events, double max_tiou) {
  // Decide what to keep in order of score so that the higher-scoring duplicate survives.
  std::vector<size_t> order(events.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return events[a].score > events[b].score; });
  std::vector<bool> keep(events.size(), false);
  for (size_t i : order) {
    bool duplicate = false;
    for (size_t j = 0; j < events.size() && !duplicate; ++j) {
      duplicate = keep[j] && events[j].caption == events[i].caption && temporal_iou(events[i], events[j]) > max_tiou;
    }
    keep[i] = !duplicate;
  }
  std::vector<Event> kept;
  for (size_t i = 0; i < events.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(events[i]));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Event& a, const Event& b) {
    if (a.start_s != b.start_s) return a.start_s < b.start_s;
    if (a.end_s != b.end_s) return a.end_s < b.end_s;
    return a.caption < b.caption;
  });
  return kept;
}

std::vector<Event> merge_same_captions(std::vector<Event> events, double gap_s) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.start_s < b.start_s; });
  bool merged = true;
  while (merged) {
    merged = false;
    for (size_t i = 0; i < events.size() && !merged; ++i) {
      for (size_t j = i + 1; j < events.size() && !merged; ++j) {
        if (events[i].caption != events[j].caption) continue;
        const double gap = std::max(events[i].start_s, events[j].start_s) - std::min(events[i].end_s, events[j].end_s);
        if (gap > gap_s) continue;
        events[i].start_s = std::min(events[i].start_s, events[j].start_s);
        events[i].end_s = std::max(events[i].end_s, events[j].end_s);
        events[i].score = std::max(events[i].score, events[j].score);
        events.erase(events.begin() + static_cast<std::ptrdiff_t>(j));
        merged = true;
      }
    }
  }
  return events;
}

}  // namespace vidscribe::caption
