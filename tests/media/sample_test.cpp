#include "media/sampler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <fstream>

#include "media_fixtures.h"
#include "vidscribe/error.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;
using media::Frame;
using media::SampleStats;
using media::SamplingOptions;

// Frame k of a segments video sampled at 1 fps: time k, colour k.
void expect_segments(const std::vector<Frame>& frames, int n, int width, int height, int tolerance = 24) {
  ASSERT_EQ(static_cast<int>(frames.size()), n);
  for (int k = 0; k < n; ++k) {
    SCOPED_TRACE("frame " + std::to_string(k));
    EXPECT_NEAR(frames[k].time_s, k, 1e-3);
    EXPECT_EQ(frames[k].index, k);
    EXPECT_EQ(frames[k].image.width, width);
    EXPECT_EQ(frames[k].image.height, height);
    EXPECT_LE(centre_error(frames[k].image, segment_colours()[k].rgb), tolerance);
  }
}

TEST(PlanSampleTimes, OneFpsAndEvenSpreadAboveMaxFrames) {
  SamplingOptions o;
  EXPECT_EQ(media::plan_sample_times(6.0, o), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(media::plan_sample_times(2.5, o), (std::vector<double>{0, 1, 2}));
  o.fps = 2;
  EXPECT_EQ(media::plan_sample_times(1.5, o), (std::vector<double>{0, 0.5, 1.0}));
  o.fps = 1;
  o.max_frames = 4;
  EXPECT_EQ(media::plan_sample_times(100.0, o), (std::vector<double>{0, 25, 50, 75}));
  EXPECT_EQ(media::plan_sample_times(0.0, o), (std::vector<double>{0}));
  o.fps = 0;
  EXPECT_THROW(media::plan_sample_times(5.0, o), Error);
  o.fps = 1;
  o.max_frames = 0;
  EXPECT_THROW(media::plan_sample_times(5.0, o), Error);
}

TEST(PlanSampleTimes, ExplicitTimesAreKeptAndClampedToTheVideo) {
  SamplingOptions o;
  o.times = {-1, 0.5, 2, 9};
  EXPECT_EQ(media::plan_sample_times(6.0, o), (std::vector<double>{0, 0.5, 2, 6}));
  o.times = {2, 1};
  EXPECT_THROW(media::plan_sample_times(6.0, o), Error);
  o.times = {std::nan("")};
  EXPECT_THROW(media::plan_sample_times(6.0, o), Error);
}

TEST(SampleFrames, AtExplicitTimesGivesTheFramesNearestThem) {
  TempDir dir;
  auto path = make_segments(dir, "seg.mp4", "-c:v libx264 -pix_fmt yuv420p");
  SamplingOptions o;
  o.times = {2.2, 4.6};
  const auto frames = media::sample_frames(path, o);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NEAR(frames[0].time_s, 2.2, 0.05);
  EXPECT_NEAR(frames[1].time_s, 4.6, 0.05);
  EXPECT_LE(centre_error(frames[0].image, segment_colours()[2].rgb), 24);
  EXPECT_LE(centre_error(frames[1].image, segment_colours()[4].rgb), 24);
}

struct ContainerCase {
  const char* file;
  const char* args;
};

class SampleContainers : public ::testing::TestWithParam<ContainerCase> {};

TEST_P(SampleContainers, OneFrameEachSecondWithItsColour) {
  TempDir dir;
  auto path = make_segments(dir, GetParam().file, GetParam().args);
  SampleStats stats;
  auto frames = media::sample_frames(path, SamplingOptions{}, &stats);
  expect_segments(frames, 6, 64, 48);
  EXPECT_FALSE(stats.truncated);
  EXPECT_EQ(stats.n_bad_packets, 0);
}

// The same bytes held in memory (read through FFmpeg's custom I/O, seeks included) give the same facts and
// the same pixels as the file.
TEST_P(SampleContainers, BytesInMemoryGiveWhatTheFileGives) {
  TempDir dir;
  auto path = make_segments(dir, GetParam().file, GetParam().args);
  const std::string bytes = slurp(path);
  const auto source = media::Source::memory(bytes, "upload");
  const media::VideoInfo from_file = media::probe(path);
  const media::VideoInfo from_memory = media::probe(source);
  EXPECT_EQ(from_memory.path, "upload");
  EXPECT_EQ(from_memory.container, from_file.container);
  EXPECT_EQ(from_memory.codec, from_file.codec);
  EXPECT_EQ(from_memory.width, from_file.width);
  EXPECT_DOUBLE_EQ(from_memory.duration_s, from_file.duration_s);
  EXPECT_EQ(from_memory.duration_source, from_file.duration_source);
  EXPECT_EQ(from_memory.n_frames, from_file.n_frames);

  SamplingOptions sparse;  // 0.25 fps over 6 s: wide gaps, so the sampler seeks where it can
  sparse.fps = 0.25;
  for (const SamplingOptions& o : {SamplingOptions{}, sparse}) {
    SampleStats file_stats, memory_stats;
    const auto a = media::sample_frames(path, o, &file_stats);
    const auto b = media::sample_frames(source, o, &memory_stats);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(file_stats.n_seeks, memory_stats.n_seeks);
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_DOUBLE_EQ(a[k].time_s, b[k].time_s);
      EXPECT_EQ(a[k].image.pixels, b[k].image.pixels) << "frame " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, SampleContainers,
    ::testing::Values(ContainerCase{"h264.mp4", "-c:v libx264 -pix_fmt yuv420p"},
                      ContainerCase{"vp9.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8"},
                      ContainerCase{"h264.mkv", "-c:v libx264"},
                      ContainerCase{"mjpeg.mov", "-c:v mjpeg -q:v 3"},
                      ContainerCase{"mpeg4.avi", "-c:v mpeg4 -q:v 2"},
                      ContainerCase{"anim.gif", "-vf \"split[a][b];[a]palettegen[p];[b][p]paletteuse\""},
                      ContainerCase{"hevc.mkv", "-c:v libx265 -x265-params log-level=none"}),
    [](const ::testing::TestParamInfo<ContainerCase>& info) {
      std::string n = info.param.file;
      for (char& c : n) if (c == '.') c = '_';
      return n;
    });

TEST(SampleFrames, TenBitAnd444PixelFormats) {
  TempDir dir;
  auto ten = make_segments(dir, "10bit.mkv", "-c:v libx264 -pix_fmt yuv420p10le");
  expect_segments(media::sample_frames(ten, SamplingOptions{}), 6, 64, 48);
  auto full = make_segments(dir, "444.mkv", "-c:v libx264 -pix_fmt yuv444p");
  expect_segments(media::sample_frames(full, SamplingOptions{}), 6, 64, 48);
}

// Sizes and pixel formats that ordinary videos have: YouTube's 426x240, portrait phone video, every width mod 16,
// odd and tiny pictures, 10-bit, 4:2:2, 4:4:4, gray, alpha and palette. swscale's SIMD paths write past the end
// of a packed RGB row for most of these widths (see RgbConverter).
struct AwkwardCase {
  const char* name;
  int width, height;
  const char* codec_args;
  bool colour = true;  // the picture keeps its colours (not gray)
};
class SampleAwkward : public ::testing::TestWithParam<AwkwardCase> {};

TEST_P(SampleAwkward, EveryFrameDecodesWithItsSizeAndColour) {
  const auto& c = GetParam();
  TempDir dir;
  // The colour source makes even sizes; the scale filter gives the odd ones.
  const std::string args = "-vf scale=" + std::to_string(c.width) + ":" + std::to_string(c.height) + " " + c.codec_args;
  const auto path = make_segments(dir, std::string(c.name) + ".mkv", args, (c.width + 1) / 2 * 2,
                                  (c.height + 1) / 2 * 2, 2);
  const auto frames = media::sample_frames(path, SamplingOptions{});
  if (c.colour) {
    expect_segments(frames, 6, c.width, c.height, 40);
  } else {
    ASSERT_EQ(frames.size(), 6u);
    for (const auto& f : frames) {
      EXPECT_EQ(f.image.width, c.width);
      EXPECT_EQ(f.image.height, c.height);
    }
  }
}

std::vector<AwkwardCase> awkward_cases() {
  std::vector<AwkwardCase> cases = {
      {"youtube_426x240", 426, 240, "-c:v libx264 -pix_fmt yuv420p"},
      {"portrait_360x640", 360, 640, "-c:v libx264 -pix_fmt yuv420p"},
      {"portrait_1080x1920", 1080, 1920, "-c:v libx264 -preset ultrafast -pix_fmt yuv420p"},
      {"w1000x562", 1000, 562, "-c:v libx264 -preset ultrafast -pix_fmt yuv420p"},
      {"tiny_8x8", 8, 8, "-c:v libx264 -pix_fmt yuv420p"},
      {"tiny_2x2", 2, 2, "-c:v ffv1 -pix_fmt yuv444p"},
      {"odd_9x7", 9, 7, "-c:v ffv1 -pix_fmt yuv444p"},
      {"tenbit_426x240", 426, 240, "-c:v libx264 -pix_fmt yuv420p10le"},
      {"yuv422_426x240", 426, 240, "-c:v libx264 -pix_fmt yuv422p"},
      {"yuv444_426x240", 426, 240, "-c:v libx264 -pix_fmt yuv444p"},
      {"gray_426x240", 426, 240, "-c:v ffv1 -pix_fmt gray", false},
      {"gray10_90x30", 90, 30, "-c:v ffv1 -pix_fmt gray10le", false},
      {"alpha_426x240", 426, 240, "-c:v ffv1 -pix_fmt yuva420p"},
      {"rgba_75x33", 75, 33, "-c:v ffv1 -pix_fmt bgra"},
      {"palette_426x240", 426, 240, "-c:v png -pix_fmt pal8"},
  };
  static const char* const kNames[16] = {"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7",
                                         "m8", "m9", "m10", "m11", "m12", "m13", "m14", "m15"};
  for (int r = 0; r < 16; ++r) cases.push_back({kNames[r], 64 + r, 20, "-c:v ffv1 -pix_fmt yuv444p"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sizes, SampleAwkward, ::testing::ValuesIn(awkward_cases()),
                         [](const ::testing::TestParamInfo<AwkwardCase>& info) { return std::string(info.param.name); });

TEST(SampleFrames, OddSizes) {
  TempDir dir;
  auto path = make_segments(dir, "odd.mkv", "-vf scale=67:33 -c:v libx264 -pix_fmt yuv444p", 68, 34);
  expect_segments(media::sample_frames(path, SamplingOptions{}), 6, 67, 33);
}

TEST(SampleFrames, RotatedVideoComesOutUpright) {
  TempDir dir;
  // Red left half, blue right half; the display matrix turns it a quarter counter-clockwise, so the
  // ffmpeg tool shows blue on top and red below (32 wide, 64 tall).
  auto plain = make_media(dir / "plain.mp4", "-f lavfi -i color=red:s=64x32:r=25:d=2 "
                                             "-vf drawbox=x=32:y=0:w=32:h=32:c=blue:t=fill -c:v libx264 -pix_fmt yuv444p");
  auto path = make_media(dir / "rot.mp4", "-i " + shell_quote(plain.string()) + " -c copy -metadata:s:v:0 rotate=90");
  auto frames = media::sample_frames(path, SamplingOptions{});
  ASSERT_EQ(frames.size(), 2u);
  const media::RgbImage& im = frames[0].image;
  ASSERT_EQ(im.width, 32);
  ASSERT_EQ(im.height, 64);
  const uint8_t* top = im.at(16, 8);
  const uint8_t* bottom = im.at(16, 56);
  EXPECT_LT(top[0], 30);
  EXPECT_GT(top[2], 220);
  EXPECT_GT(bottom[0], 220);
  EXPECT_LT(bottom[2], 30);
}

TEST(SampleFrames, VariableFrameRateGivesTrueTimes) {
  TempDir dir;
  // Frames at 0, 0.1, ..., 0.9, then 1.3, 1.8, 2.3, 2.8, 3.3.
  auto path = make_media(dir / "vfr.mkv", "-f lavfi -i testsrc2=s=64x48:r=10:d=1.5 "
                                          "-vf \"setpts='if(lt(N,10),N,13+(N-10)*5)'\" "
                                          "-fps_mode passthrough -c:v libx264");
  auto frames = media::sample_frames(path, SamplingOptions{});
  std::vector<double> times;
  for (const auto& f : frames) times.push_back(f.time_s);
  // Wanted 0, 1, 2, 3 -> nearest frames 0, 0.9, 1.8 and 2.8 (3.3 is farther from 3 than 2.8).
  ASSERT_EQ(times.size(), 4u);
  EXPECT_NEAR(times[0], 0.0, 1e-3);
  EXPECT_NEAR(times[1], 0.9, 1e-3);
  EXPECT_NEAR(times[2], 1.8, 1e-3);
  EXPECT_NEAR(times[3], 2.8, 1e-3);
}

TEST(SampleFrames, NonZeroStartTimesCountFromTheFirstFrame) {
  TempDir dir;
  auto path = make_segments(dir, "late.mkv", "-c:v libx264 -output_ts_offset 10");
  expect_segments(media::sample_frames(path, SamplingOptions{}), 6, 64, 48);
}

TEST(SampleFrames, MissingDurationStillSamplesTheWholeVideo) {
  TempDir dir;
  fs::path path = dir / "piped.mkv";
  RunResult r = run_command("ffmpeg -nostdin -v error -f lavfi -i " + shell_quote(segments_graph(64, 48, 25)) +
                            " -c:v libx264 -f matroska pipe:1 > " + shell_quote(path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_segments(media::sample_frames(path, SamplingOptions{}), 6, 64, 48);
}

TEST(SampleFrames, MaxFramesSpreadsEvenly) {
  TempDir dir;
  auto path = make_segments(dir, "a.mp4", "-c:v libx264");
  SamplingOptions o;
  o.fps = 25;
  o.max_frames = 3;
  auto frames = media::sample_frames(path, o);
  ASSERT_EQ(frames.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(frames[k].time_s, 2.0 * k, 1e-3);
    EXPECT_LE(centre_error(frames[k].image, segment_colours()[2 * k].rgb), 24);
  }
}

// 60 s at 25 fps, a keyframe every second.
fs::path make_long(const TempDir& dir) {
  return make_media(dir / "long.mp4", "-f lavfi -i testsrc2=s=32x32:r=25:d=60 -c:v libx264 -preset ultrafast -g 25");
}

TEST(SampleFrames, SparseSamplesSeekInsteadOfDecodingEverything) {
  TempDir dir;
  auto path = make_long(dir);
  SamplingOptions o;
  o.max_frames = 4;  // wanted 0, 15, 30, 45 s
  SampleStats stats;
  auto frames = media::sample_frames(path, o, &stats);
  ASSERT_EQ(frames.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(frames[k].time_s, 15.0 * k, 1e-3);
  EXPECT_GE(stats.n_seeks, 3);
  EXPECT_LT(stats.n_decoded, 200);  // of 1500
}

TEST(SampleFrames, SeeksLandOnTheKeyframeBeforeTheWantedTimeWithBFramesInMp4) {
  // B-frames make the MP4 muxer shift decode times by an edit list; the seek must still land on the keyframe
  // just before each wanted time, not one keyframe interval earlier.
  TempDir dir;
  auto path = make_media(dir / "bframes.mp4", "-f lavfi -i testsrc2=s=32x32:r=25:d=60 -c:v libx264 -bf 3 "
                                              "-g 50 -keyint_min 50 -sc_threshold 0");
  SamplingOptions o;
  o.fps = 0.1;  // wanted 0, 10, ..., 50 s: each on a keyframe (every 2 s)
  SampleStats stats;
  auto frames = media::sample_frames(path, o, &stats);
  ASSERT_EQ(frames.size(), 6u);
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(frames[k].time_s, 10.0 * k, 1e-3);
  EXPECT_EQ(stats.n_seeks, 5);
  EXPECT_LT(stats.n_decoded, 60) << "of 1500";
}

TEST(SampleFrames, DenseSamplesDecodeStraightThrough) {
  TempDir dir;
  auto path = make_long(dir);
  SamplingOptions o;
  o.fps = 5;
  o.max_frames = 1000;
  SampleStats stats;
  auto frames = media::sample_frames(path, o, &stats);
  ASSERT_EQ(frames.size(), 300u);
  EXPECT_NEAR(frames[123].time_s, 24.6, 1e-3);
  EXPECT_EQ(stats.n_seeks, 0);
  EXPECT_GE(stats.n_decoded, 1495);
}

TEST(SampleFrames, UnreferencedPicturesFarFromWantedTimesAreNotDecoded) {
  TempDir dir;
  // x264's default B-frames: most are not references and lie far from the wanted whole seconds.
  auto path = make_segments(dir, "b.mp4", "-c:v libx264 -bf 3 -g 250");
  SampleStats stats;
  auto frames = media::sample_frames(path, SamplingOptions{}, &stats);
  expect_segments(frames, 6, 64, 48);
  EXPECT_LT(stats.n_decoded, 140);  // of 150
}

TEST(SampleFrames, TruncatedFileKeepsTheFramesThatDecoded) {
  TempDir dir;
  auto path = make_segments(dir, "full.mkv", "-c:v libx264 -g 25");
  std::string bytes = slurp(path);
  fs::path cut = dir / "cut.mkv";
  {
    std::ofstream out(cut, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  SampleStats stats;
  EXPECT_TRUE(media::probe(cut).truncated);
  EXPECT_FALSE(media::probe(path).truncated);
  auto frames = media::sample_frames(cut, SamplingOptions{}, &stats);
  EXPECT_TRUE(stats.truncated);
  ASSERT_GE(frames.size(), 1u);
  ASSERT_LT(frames.size(), 6u);
  // Each kept frame is the nearest one that survived (the last may be a frame before the wanted time).
  for (size_t k = 0; k < frames.size(); ++k) {
    EXPECT_NEAR(frames[k].time_s, static_cast<double>(k), 0.05);
    auto segment = static_cast<size_t>(std::floor(frames[k].time_s + 1e-6));
    EXPECT_LE(centre_error(frames[k].image, segment_colours()[segment].rgb), 24);
  }
}

TEST(SampleFrames, TruncatedMp4WithIndexFirstKeepsTheFramesThatDecoded) {
  TempDir dir;
  // +faststart puts the index first, so half a file still opens; its index promises 6 s. (Busy pictures:
  // flat colours would leave too little picture data before the cut.)
  auto path = make_media(dir / "full.mp4", "-f lavfi -i testsrc2=s=320x240:r=25:d=6 -c:v libx264 -g 25 "
                                           "-movflags +faststart");
  std::string bytes = slurp(path);
  fs::path cut = dir / "cut.mp4";
  {
    std::ofstream out(cut, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  SampleStats stats;
  auto frames = media::sample_frames(cut, SamplingOptions{}, &stats);
  EXPECT_TRUE(stats.truncated);
  ASSERT_GE(frames.size(), 2u);
  ASSERT_LT(frames.size(), 6u);
  // The last kept frame may be the last one before the cut, up to half a second before its wanted time.
  for (size_t k = 0; k < frames.size(); ++k) {
    EXPECT_NEAR(frames[k].time_s, static_cast<double>(k), k + 1 < frames.size() ? 0.05 : 0.5);
  }
}

TEST(SampleFrames, BytesInMemoryThatAreEmptyCutOrNotMediaAreRefusedOrKeptLikeFiles) {
  TempDir dir;
  auto path = make_segments(dir, "full.mkv", "-c:v libx264 -g 25");
  const std::string bytes = slurp(path);
  const std::string half = bytes.substr(0, bytes.size() / 2);
  SampleStats stats;
  const auto frames = media::sample_frames(media::Source::memory(half, "half"), SamplingOptions{}, &stats);
  EXPECT_TRUE(stats.truncated);
  EXPECT_GE(frames.size(), 1u);
  EXPECT_LT(frames.size(), 6u);
  for (const std::string& bad : {std::string(), std::string("not a video at all, just words"), bytes.substr(0, 40)}) {
    try {
      media::probe(media::Source::memory(bad, "bad"));
      ADD_FAILURE() << "probe accepted " << bad.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnsupportedMedia);
      EXPECT_NE(std::string(e.what()).find("bad"), std::string::npos) << e.what();
    }
  }
}

TEST(SampleFrames, CallbackSeesPlannedCountFirst) {
  TempDir dir;
  auto path = make_segments(dir, "a.mkv", "-c:v libx264");
  int64_t planned = -1;
  int seen = 0;
  media::sample_frames(
      path, SamplingOptions{}, [&](Frame&&) {
        EXPECT_EQ(planned, 6);
        ++seen;
      },
      [&](int64_t n) { planned = n; });
  EXPECT_EQ(seen, 6);
}

}  // namespace
}  // namespace vidscribe::testing
