#include "caption/segmentation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "caption/tiny_models.h"

namespace vidscribe::caption {
namespace {

std::vector<double> one_fps(int64_t n) {
  std::vector<double> t;
  for (int64_t i = 0; i < n; ++i) t.push_back(static_cast<double>(i));
  return t;
}

TEST(SegmentationTest, FindsPlantedSegmentsAndTheirCount) {
  const auto frames = testing::planted_frames({{"red", 20}, {"blue", 20}, {"green", 20}}, 0.05, 7);
  MethodOptions options;  // events = 0: automatic
  const auto spans = structure_spans(frames, one_fps(60), 60.0, options);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_DOUBLE_EQ(spans[0].start, 0.0);
  EXPECT_NEAR(spans[0].end, 19.5 / 60, 1e-9);
  EXPECT_NEAR(spans[1].end, 39.5 / 60, 1e-9);
  EXPECT_DOUBLE_EQ(spans[2].end, 1.0);
}

TEST(SegmentationTest, NoSegmentShorterThanMinimum) {
  // A 3-second yellow interlude is shorter than min_segment_s (5 s): only one of its two boundaries stays.
  const auto frames = testing::planted_frames({{"red", 20}, {"yellow", 3}, {"blue", 37}}, 0.02, 3);
  MethodOptions options;
  const auto spans = structure_spans(frames, one_fps(60), 60.0, options);
  ASSERT_EQ(spans.size(), 2u);
  const double cut_s = spans[0].end * 60;
  EXPECT_TRUE(std::abs(cut_s - 19.5) < 1e-9 || std::abs(cut_s - 22.5) < 1e-9) << cut_s;
  options.min_segment_s = 2.0;
  EXPECT_EQ(structure_spans(frames, one_fps(60), 60.0, options).size(), 3u);
}

TEST(SegmentationTest, EventCountIsCapped) {
  std::vector<std::pair<std::string, int>> many;
  for (int i = 0; i < 12; ++i) many.push_back({testing::kColours[i % 4], 10});
  const auto frames = testing::planted_frames(many, 0.0, 0);
  MethodOptions options;
  options.max_events = 5;
  EXPECT_EQ(structure_spans(frames, one_fps(120), 120.0, options).size(), 5u);
}

TEST(SegmentationTest, StaticVideoIsOneEventAndFixedCountFallsBackToEvenBoxes) {
  const auto frames = testing::planted_frames({{"green", 30}}, 0.01, 1);
  MethodOptions options;
  const auto automatic = structure_spans(frames, one_fps(30), 30.0, options);
  ASSERT_EQ(automatic.size(), 1u);
  EXPECT_DOUBLE_EQ(automatic[0].end, 1.0);

  // Fixed K = 3 on a planted 2-segment video: not enough boundaries -> evenly spread boxes.
  const auto two = testing::planted_frames({{"red", 30}, {"blue", 30}}, 0.0, 0);
  options.events = 3;
  const auto spans = structure_spans(two, one_fps(60), 60.0, options);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_NEAR(spans[1].start, 1.0 / 3, 1e-12);
  // Fixed K = 2 takes the real boundary.
  options.events = 2;
  const auto cut = structure_spans(two, one_fps(60), 60.0, options);
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_NEAR(cut[0].end, 29.5 / 60, 1e-9);
}

TEST(SegmentationTest, BoundaryDropsPeakAtTheCut) {
  const auto frames = testing::planted_frames({{"red", 5}, {"blue", 5}}, 0.0, 0);
  const auto drops = boundary_drops(frames, 2);
  ASSERT_EQ(drops.size(), 9u);
  const auto peak = std::max_element(drops.begin(), drops.end()) - drops.begin();
  EXPECT_EQ(peak, 4);  // between frames 4 and 5
  EXPECT_NEAR(drops[0], 0.0, 1e-9);
}

}  // namespace
}  // namespace vidscribe::caption
