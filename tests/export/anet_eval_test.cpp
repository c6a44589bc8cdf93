// The ActivityNet submission that `caption --format anet` writes is what `vidscribe eval` reads.
#include <gtest/gtest.h>

#include "eval/densevid.h"
#include "export/export.h"

namespace vidscribe::exporter {
namespace {

TEST(AnetForEval, EvalReadsEveryVideoAndEvent) {
  VideoCaptions a;
  a.video = "/videos/v_abc.mp4";
  a.duration_s = 120;
  a.events = {{0, 84.87181188118811, "a man is seen speaking\nto the camera", 0.2},
              {76.27719801980197, 90.24344554455445, "caf\xC3\xA9 scene", 0.1}};
  VideoCaptions b;
  b.video = "b.mkv";
  b.video_id = "v_other";
  b.events = {{1, 2, "one", 0}};

  eval::Submission s = eval::parse_submission(render(Format::kAnet, {a, b}), "test");
  ASSERT_EQ(s.videos.size(), 2u);
  const std::vector<eval::Segment>& va = s.videos.at("v_abc");
  ASSERT_EQ(va.size(), 2u);
  EXPECT_EQ(va[0].start_s, 0.0);
  EXPECT_EQ(va[0].end_s, 84.87181188118811);
  EXPECT_EQ(va[0].sentence, "a man is seen speaking to the camera");
  EXPECT_EQ(va[1].start_s, 76.27719801980197);
  EXPECT_EQ(va[1].sentence, "caf\xC3\xA9 scene");
  EXPECT_EQ(s.videos.at("v_other").at(0).sentence, "one");
  EXPECT_TRUE(s.warnings.empty());
}

}  // namespace
}  // namespace vidscribe::exporter
