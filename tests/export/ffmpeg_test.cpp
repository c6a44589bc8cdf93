// The ffmetadata output as the real ffmpeg reads it: chapters muxed into a video and read back by ffprobe.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "export/export.h"
#include "support/support.h"

namespace vidscribe::exporter {
namespace {

using testing::run_command;
using testing::shell_quote;

TEST(FfmetadataWithFfmpeg, ChaptersSurviveMuxing) {
  if (run_command("ffmpeg -version && ffprobe -version").exit_code != 0) GTEST_SKIP() << "no ffmpeg CLI";
  testing::TempDir tmp;
  const std::string video = (tmp / "in.mkv").string();
  testing::RunResult made = run_command("ffmpeg -nostdin -v error -f lavfi -i color=c=red:s=16x16:d=40:r=1 "
                                        "-c:v mpeg4 -y " + shell_quote(video));
  ASSERT_EQ(made.exit_code, 0) << made.err;

  VideoCaptions v;
  v.video = video;
  v.duration_s = 40;
  // Overlapping events; captions with every character ffmetadata must escape, and UTF-8.
  v.events = {{0.5, 15, "red = danger; #1", 0.3},
              {12.25, 25, "back\\slash and\nnewline", 0.2},
              {30, 40, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC", 0.1}};
  write_output(tmp / "chapters.ffmeta", Format::kFfmetadata, {v});

  const std::string out = (tmp / "out.mkv").string();
  testing::RunResult muxed = run_command("ffmpeg -nostdin -v error -i " + shell_quote(video) + " -i " +
                                         shell_quote((tmp / "chapters.ffmeta").string()) +
                                         " -map_metadata 1 -codec copy -y " + shell_quote(out));
  ASSERT_EQ(muxed.exit_code, 0) << muxed.err;
  testing::RunResult probed = run_command("ffprobe -v error -show_chapters -of json " + shell_quote(out));
  ASSERT_EQ(probed.exit_code, 0) << probed.err;

  nlohmann::json chapters = nlohmann::json::parse(probed.out)["chapters"];
  struct Expected {
    double start_s, end_s;
    std::string title;
  };
  const Expected expected[] = {{0, 12.25, "red = danger; #1"},
                               {12.25, 30, "back\\slash and newline"},
                               {30, 40, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC"}};
  ASSERT_EQ(chapters.size(), 3u) << probed.out;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(std::stod(chapters[i]["start_time"].get<std::string>()), expected[i].start_s, 1e-6) << i;
    EXPECT_NEAR(std::stod(chapters[i]["end_time"].get<std::string>()), expected[i].end_s, 1e-6) << i;
    EXPECT_EQ(chapters[i]["tags"]["title"], expected[i].title) << i;
  }
}

}  // namespace
}  // namespace vidscribe::exporter
