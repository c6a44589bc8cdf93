#include "caption/events.h"

#include <gtest/gtest.h>

namespace vidscribe::caption {
namespace {

TEST(EventsTest, SortsByStartAndDropsLowerScoringNearDuplicates) {
  std::vector<Event> events = {
      {30, 60, "A blue ball.", 0.2},
      {0, 20, "A red car.", 0.3},
      {0.5, 20, "A red car.", 0.4},   // tIoU 0.975 with the one before: same caption, higher score
      {1, 20, "A red dog.", 0.1},     // same place, other caption: kept
      {10, 30, "A red car.", 0.5},    // same caption, little overlap: kept
  };
  const auto kept = finalize_events(events, 0.9);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_DOUBLE_EQ(kept[0].start_s, 0.5);
  EXPECT_DOUBLE_EQ(kept[0].score, 0.4);
  EXPECT_EQ(kept[1].caption, "A red dog.");
  EXPECT_DOUBLE_EQ(kept[2].start_s, 10);
  EXPECT_DOUBLE_EQ(kept[3].start_s, 30);
}

TEST(EventsTest, ThresholdIsStrict) {
  std::vector<Event> events = {{0, 10, "x", 0.1}, {0, 10, "x", 0.2}};
  EXPECT_EQ(finalize_events(events, 0.9).size(), 1u);
  EXPECT_EQ(finalize_events(events, 1.0).size(), 2u);  // tIoU 1 is not above 1
}

}  // namespace
}  // namespace vidscribe::caption
