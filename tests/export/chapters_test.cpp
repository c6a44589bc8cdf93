#include "export/chapters.h"

#include <gtest/gtest.h>

namespace vidscribe::exporter {
namespace {

// Events in no particular order, overlapping, with a near-duplicate start, a repeated caption and a last
// event too close to the end.
VideoCaptions cooking() {
  VideoCaptions v;
  v.video = "cooking.mp4";
  v.duration_s = 185.5;
  v.events = {{61.6, 90, "frying the onions", 0},  {2.0, 20, "intro to the recipe", 0},
              {8.0, 30, "a close view of a knife", 0}, {15.4, 60, "chopping onions", 0},
              {30.0, 50, "chopping  onions", 0},       {178.0, 185.5, "the dish is served", 0}};
  return v;
}

TEST(DeriveChapters, YoutubeRuleMergesTrimsAndStartsAtZero) {
  std::vector<Chapter> c = derive_chapters(cooking(), {10000, 1000});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].start_ms, 0);      // first event starts at 2 s: forced to 0
  EXPECT_EQ(c[0].title, "intro to the recipe");  // the knife at 8 s is < 10 s after it: merged
  EXPECT_EQ(c[1].start_ms, 15000);  // 15.4 s rounded to whole seconds
  EXPECT_EQ(c[1].title, "chopping onions");      // the same caption at 30 s merged
  EXPECT_EQ(c[2].start_ms, 62000);
  EXPECT_EQ(c[2].end_ms, 185500);   // "served" at 178 s leaves 7.5 s: dropped, previous runs to the end
  EXPECT_EQ(c[0].end_ms, 15000);
  EXPECT_EQ(c[1].end_ms, 62000);
}

TEST(DeriveChapters, MillisecondRuleKeepsEveryDistinctStart) {
  std::vector<Chapter> c = derive_chapters(cooking(), {1, 1});
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[1].start_ms, 8000);
  EXPECT_EQ(c[2].start_ms, 15400);
  EXPECT_EQ(c[3].start_ms, 61600);
  EXPECT_EQ(c[4].start_ms, 178000);
  EXPECT_EQ(c[4].end_ms, 185500);
}

TEST(DeriveChapters, UnknownDurationEndsAtTheLastEventEnd) {
  VideoCaptions v;
  v.events = {{0, 30, "a", 0}, {20, 95.5, "b", 0}, {40, 50, "c", 0}};
  std::vector<Chapter> c = derive_chapters(v, {10000, 1000});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.back().end_ms, 95500);
}

TEST(DeriveChapters, NoEventsNoChapters) {
  VideoCaptions v;
  v.duration_s = 60;
  EXPECT_TRUE(derive_chapters(v, {10000, 1000}).empty());
}

TEST(DeriveChapters, VideoShorterThanTheMinimumGivesNone) {
  VideoCaptions v;
  v.duration_s = 8;
  v.events = {{0, 8, "short", 0}};
  EXPECT_TRUE(derive_chapters(v, {10000, 1000}).empty());
  EXPECT_EQ(derive_chapters(v, {1, 1}).size(), 1u);
}

}  // namespace
}  // namespace vidscribe::exporter
