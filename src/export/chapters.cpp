#include "export/chapters.h"

#include <algorithm>
#include <numeric>

#include "export/text.h"

namespace vidscribe::exporter {

std::vector<Chapter> derive_chapters(const VideoCaptions& video, const ChapterRules& rules) {
  int64_t end_ms = to_ms(video.duration_s);
  if (video.duration_s <= 0) {
    for (const Event& e : video.events) end_ms = std::max(end_ms, to_ms(e.end_s));
  }
  const int64_t min_length = std::max<int64_t>(rules.min_length_ms, 1);
  const int64_t grain = std::max<int64_t>(rules.granularity_ms, 1);

  std::vector<size_t> order(video.events.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return video.events[a].start_s < video.events[b].start_s; });

  std::vector<Chapter> chapters;
  for (size_t idx : order) {
    const Event& e = video.events[idx];
    std::string title = one_line(e.caption);
    if (chapters.empty()) {
      chapters.push_back({0, 0, std::move(title)});
      continue;
    }
    int64_t start = (to_ms(e.start_s) + grain / 2) / grain * grain;
    if (start - chapters.back().start_ms < min_length || title == chapters.back().title) continue;
    chapters.push_back({start, 0, std::move(title)});
  }
  while (!chapters.empty() && end_ms - chapters.back().start_ms < min_length) chapters.pop_back();
  for (size_t i = 0; i < chapters.size(); ++i) {
    chapters[i].end_ms = (i + 1 < chapters.size()) ? chapters[i + 1].start_ms : end_ms;
  }
  return chapters;
}

}  // namespace vidscribe::exporter
