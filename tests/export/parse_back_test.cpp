// SRT and WebVTT read back by a small independent parser: every event is a cue with its times and one text line,
// whatever the captions hold.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "export/export.h"

namespace vidscribe::exporter {
namespace {

struct Cue {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<std::string> lines;
};

int64_t parse_clock(const std::string& s, char sep) {
  int h = 0, m = 0, sec = 0, ms = 0;
  char got = 0;
  if (std::sscanf(s.c_str(), "%d:%2d:%2d%c%3d", &h, &m, &sec, &got, &ms) != 5 || got != sep) return -1;
  return ((h * 60LL + m) * 60 + sec) * 1000 + ms;
}

// Blocks separated by blank lines; in each, the first line with "-->" is the timing line.
std::vector<Cue> parse_cues(const std::string& text, char sep, bool numbered) {
  std::vector<Cue> cues;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> block;
  auto flush = [&] {
    if (block.empty()) return;
    size_t t = numbered ? 1 : 0;
    EXPECT_LT(t, block.size());
    if (numbered) EXPECT_EQ(block[0], std::to_string(cues.size() + 1));
    size_t arrow = block[t].find(" --> ");
    EXPECT_NE(arrow, std::string::npos) << block[t];
    Cue c;
    c.start_ms = parse_clock(block[t].substr(0, arrow), sep);
    c.end_ms = parse_clock(block[t].substr(arrow + 5), sep);
    c.lines.assign(block.begin() + t + 1, block.end());
    cues.push_back(c);
    block.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
    } else {
      block.push_back(line);
    }
  }
  flush();
  return cues;
}

VideoCaptions awkward() {
  VideoCaptions v;
  v.video = "awkward.mp4";
  v.duration_s = 4000;
  const char* captions[] = {"plain", "two\n\nparagraphs", "arrow --> inside", "1\n00:00:01,000 --> 00:00:02,000",
                            "\r\ncrlf\r\n", "tab\there", "<i>markup</i> & more"};
  double t = 0.0004;
  for (int i = 0; i < 40; ++i) {
    double start = t + 0.0999 * i + 97.0005 * (i % 7);
    v.events.push_back({start, start + 3.5 + i, captions[i % 7], 0});
  }
  return v;
}

void check(const std::vector<Cue>& cues, const VideoCaptions& v) {
  ASSERT_EQ(cues.size(), v.events.size());
  std::vector<Event> sorted = v.events;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Event& a, const Event& b) { return a.start_s < b.start_s; });
  for (size_t i = 0; i < cues.size(); ++i) {
    EXPECT_EQ(cues[i].start_ms, std::llround(sorted[i].start_s * 1000)) << i;
    EXPECT_EQ(cues[i].end_ms, std::llround(sorted[i].end_s * 1000)) << i;
    ASSERT_EQ(cues[i].lines.size(), 1u) << i;
    EXPECT_EQ(cues[i].lines[0].find("-->"), std::string::npos) << cues[i].lines[0];
    if (i > 0) EXPECT_GE(cues[i].start_ms, cues[i - 1].start_ms);
  }
}

TEST(ParseBack, SrtCuesMatchEvents) {
  VideoCaptions v = awkward();
  check(parse_cues(render(Format::kSrt, {v}), ',', true), v);
}

TEST(ParseBack, VttCuesMatchEvents) {
  VideoCaptions v = awkward();
  std::string text = render(Format::kVtt, {v});
  ASSERT_EQ(text.rfind("WEBVTT\n\n", 0), 0u);
  check(parse_cues(text.substr(8), '.', false), v);
  EXPECT_EQ(text.find('<'), std::string::npos);
}

}  // namespace
}  // namespace vidscribe::exporter
