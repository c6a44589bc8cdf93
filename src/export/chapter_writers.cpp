#include <cstdio>

#include "export/chapters.h"
#include "export/text.h"
#include "export/writers.h"
#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

// YouTube's requirements for chapters in a video description (support.google.com/youtube/answer/9884579).
constexpr size_t kYoutubeMinChapters = 3;
constexpr int64_t kYoutubeMinLengthMs = 10000;

}  // namespace

std::string render_youtube_chapters(const VideoCaptions& video) {
  std::vector<Chapter> chapters = derive_chapters(video, {kYoutubeMinLengthMs, /*granularity_ms=*/1000});
  if (chapters.size() < kYoutubeMinChapters) {
    char length[32];
    std::snprintf(length, sizeof length, "%.1f s", video.duration_s);
    throw Error(ErrorCode::kInvalidArgument,
                "cannot make YouTube chapters for " + video.video + ": YouTube needs at least 3 chapters of at "
                "least 10 s each, but its " + std::to_string(video.events.size()) + " events over " + length +
                " give " + std::to_string(chapters.size()) + "; use --format vtt, srt or ffmetadata instead");
  }
  const bool with_hours = chapters.back().end_ms >= 3600 * 1000;
  std::string out;
  for (size_t i = 0; i < chapters.size(); ++i) {
    const Chapter& c = chapters[i];
    std::string title = c.title.empty() ? "Chapter " + std::to_string(i + 1) : c.title;
    out += clock_s(c.start_ms / 1000, with_hours) + " " + title + "\n";
  }
  return out;
}

std::string render_ffmetadata(const VideoCaptions& video) {
  std::string out = ";FFMETADATA1\n";
  for (const Chapter& c : derive_chapters(video, {/*min_length_ms=*/1, /*granularity_ms=*/1})) {
    out += "\n[CHAPTER]\nTIMEBASE=1/1000\n";
    out += "START=" + std::to_string(c.start_ms) + "\nEND=" + std::to_string(c.end_ms) + "\n";
    if (!c.title.empty()) out += "title=" + escape_ffmetadata(c.title) + "\n";
  }
  return out;
}

}  // namespace vidscribe::exporter

namespace vidscribe::exporter {

std::string render_vtt_chapters(const VideoCaptions& video) {
  std::string out = "WEBVTT\n";
  int n = 0;
  for (const Chapter& c : derive_chapters(video, {/*min_length_ms=*/1, /*granularity_ms=*/1})) {
    ++n;
    const std::string title = c.title.empty() ? "Chapter " + std::to_string(n) : escape_vtt(c.title);
    out += "\n" + clock_ms(c.start_ms, '.') + " --> " + clock_ms(c.end_ms, '.') + "\n" + title + "\n";
  }
  return out;
}

}  // namespace vidscribe::exporter
