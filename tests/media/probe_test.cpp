#include "media/probe.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media_fixtures.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {
using media::probe;

TEST(Probe, Mp4H264WithAudioReportsEverything) {
  TempDir dir;
  auto path = make_media(dir / "a.mp4", "-f lavfi -i testsrc2=s=96x64:r=25:d=4 -f lavfi -i sine=d=4 "
                                        "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest");
  media::VideoInfo info = probe(path);
  EXPECT_EQ(info.codec, "h264");
  EXPECT_EQ(info.pixel_format, "yuv420p");
  EXPECT_EQ(info.n_streams, 2);
  EXPECT_EQ(info.width, 96);
  EXPECT_EQ(info.height, 64);
  EXPECT_EQ(info.rotation_cw, 0);
  EXPECT_NEAR(info.fps, 25.0, 1e-6);
  EXPECT_FALSE(info.variable_fps);
  EXPECT_NEAR(info.duration_s, 4.0, 0.05);
  EXPECT_NEAR(info.start_s, 0.0, 1e-6);
  EXPECT_EQ(info.n_frames, 100);
  EXPECT_FALSE(info.is_still_image);
}

TEST(Probe, DetectsVariableFrameRate) {
  TempDir dir;
  // Ten frames 0.1 s apart, then frames 0.5 s apart.
  auto path = make_media(dir / "vfr.mkv", "-f lavfi -i testsrc2=s=64x48:r=10:d=3 "
                                          "-vf \"setpts='if(lt(N,10),N,10+(N-10)*5)'\" "
                                          "-fps_mode passthrough -c:v libx264");
  media::VideoInfo info = probe(path);
  EXPECT_TRUE(info.variable_fps);
  auto constant = make_media(dir / "cfr.mkv", "-f lavfi -i testsrc2=s=64x48:r=10:d=3 -c:v libx264");
  EXPECT_FALSE(probe(constant).variable_fps);
}

TEST(Probe, ReportsRotationAndDisplaySize) {
  TempDir dir;
  auto plain = make_media(dir / "plain.mp4", "-f lavfi -i color=red:s=64x32:r=25:d=1 -c:v libx264 -pix_fmt yuv420p");
  auto path = make_media(dir / "rot.mp4", "-i " + shell_quote(plain.string()) + " -c copy -metadata:s:v:0 rotate=90");
  media::VideoInfo info = probe(path);
  EXPECT_EQ(info.rotation_cw, 270);  // ffmpeg stores "rotate=90" as a counter-clockwise display matrix
  EXPECT_EQ(info.coded_width, 64);
  EXPECT_EQ(info.coded_height, 32);
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.height, 64);
}

TEST(Probe, FallsBackToPacketTimesWhenTheContainerHasNoDuration) {
  TempDir dir;
  // Matroska written to a pipe cannot go back to fill in its duration.
  RunResult r = run_command("ffmpeg -nostdin -v error -f lavfi -i testsrc2=s=64x48:r=25:d=3 -c:v libx264 "
                            "-f matroska pipe:1 > " + shell_quote((dir / "piped.mkv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  media::VideoInfo info = probe(dir / "piped.mkv");
  EXPECT_EQ(info.duration_source, "packets");
  EXPECT_NEAR(info.duration_s, 3.0, 0.05);
  EXPECT_EQ(info.n_frames, 75);
}

TEST(Probe, ReportsNonZeroStartTime) {
  TempDir dir;
  auto path = make_media(dir / "late.mkv", "-f lavfi -i testsrc2=s=64x48:r=25:d=2 -c:v libx264 -output_ts_offset 10");
  media::VideoInfo info = probe(path);
  EXPECT_NEAR(info.start_s, 10.0, 0.05);
  EXPECT_NEAR(info.duration_s, 2.0, 0.05);
}

TEST(Probe, JsonHasTheFields) {
  TempDir dir;
  auto path = make_media(dir / "a.webm", "-f lavfi -i testsrc2=s=64x48:r=30:d=1 -c:v libvpx-vp9 -deadline realtime");
  auto j = nlohmann::json::parse(media::to_json(probe(path)));
  EXPECT_EQ(j["codec"], "vp9");
  EXPECT_EQ(j["width"], 64);
  EXPECT_EQ(j["height"], 48);
  EXPECT_NEAR(j["fps"].get<double>(), 30.0, 1e-6);
  EXPECT_NEAR(j["duration_s"].get<double>(), 1.0, 0.05);
  EXPECT_EQ(j["streams"], 1);
  EXPECT_EQ(j["variable_fps"], false);
}

// An AVI whose headers declare 0xFFFFFFFF frames (171,798,691 s at 25 fps) for 2 s of video: the packets say
// where it ends, and that is its duration (once, captioning planned 715,828 windows and put an event at 583 s).
TEST(Probe, DeclaredDurationBeyondThePacketsIsNotBelieved) {
  TempDir dir;
  const auto avi = make_media(dir / "ok.avi", "-f lavfi -i testsrc2=size=64x48:rate=25 -t 2 -c:v mpeg4");
  std::string bytes = slurp(avi);
  auto patch_u32 = [&](const std::string& tag, size_t offset) {
    const size_t at = bytes.find(tag);
    ASSERT_NE(at, std::string::npos) << tag;
    for (int i = 0; i < 4; ++i) bytes[at + 8 + offset + i] = '\xff';
  };
  patch_u32("avih", 16);  // dwTotalFrames
  patch_u32("strh", 32);  // dwLength of the video stream
  const auto bad = dir / "bad.avi";
  util::write_file_atomic(bad, bytes);
  const auto info = media::probe(bad);
  EXPECT_NEAR(info.duration_s, 2.0, 0.1);
  EXPECT_TRUE(info.truncated);
  const auto good = media::probe(avi);
  EXPECT_NEAR(good.duration_s, 2.0, 0.1);
  EXPECT_FALSE(good.truncated);
}

}  // namespace
}  // namespace vidscribe::testing
