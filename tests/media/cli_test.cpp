// The media subcommands through the built program: probe, frames, and their errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <set>

#include "media/image.h"
#include "media_fixtures.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

TEST(ProbeCommand, JsonDescribesTheVideo) {
  TempDir dir;
  auto path = make_segments(dir, "a.mp4", "-c:v libx264");
  RunResult r = run_vidscribe("probe --json " + shell_quote(path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["codec"], "h264");
  EXPECT_EQ(j["width"], 64);
  EXPECT_EQ(j["height"], 48);
  EXPECT_NEAR(j["duration_s"].get<double>(), 6.0, 0.05);
  EXPECT_NEAR(j["fps"].get<double>(), 25.0, 1e-6);
}

TEST(ProbeCommand, TextNamesSizeAndRate) {
  TempDir dir;
  auto path = make_segments(dir, "a.mkv", "-c:v libx264");
  RunResult r = run_vidscribe("probe " + shell_quote(path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("64x48"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("25.000 fps"), std::string::npos) << r.out;
}

TEST(ProbeCommand, BadInputsGiveOneLineAndNonZeroExit) {
  TempDir dir;
  for (const std::string& arg : {(dir / "missing.mp4").string(), dir.path().string()}) {
    RunResult r = run_vidscribe("probe " + shell_quote(arg));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.err.rfind("vidscribe: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(FramesCommand, WritesPngsNamedByTime) {
  TempDir dir;
  auto path = make_segments(dir, "a.mp4", "-c:v libx264");
  RunResult r = run_vidscribe("-q frames " + shell_quote(path.string()) + " --fps 1 --out " +
                              shell_quote((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> names;
  for (const auto& f : fs::directory_iterator(dir / "out")) names.insert(f.path().filename().string());
  std::set<std::string> want;
  for (int k = 0; k < 6; ++k) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "frame_%06d.000.png", k);
    want.insert(buf);
  }
  EXPECT_EQ(names, want);
  media::RgbImage blue = media::read_image(dir / "out" / "frame_000002.000.png");
  EXPECT_EQ(blue.width, 64);
  EXPECT_LE(centre_error(blue, {0, 0, 255}), 24);
}

TEST(FramesCommand, TruncatedVideoWarnsOnceAndSucceeds) {
  TempDir dir;
  auto path = make_segments(dir, "a.mkv", "-c:v libx264 -g 25");
  std::string bytes = slurp(path);
  {
    std::ofstream out(dir / "cut.mkv", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  RunResult r = run_vidscribe("frames " + shell_quote((dir / "cut.mkv").string()) + " --out " +
                              shell_quote((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t first = r.err.find("warning:");
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warning:", first + 1), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ends early"), std::string::npos) << r.err;
}

TEST(FramesCommand, RefusesZeroFps) {
  TempDir dir;
  auto path = make_segments(dir, "a.mkv", "-c:v libx264");
  RunResult r = run_vidscribe("frames " + shell_quote(path.string()) + " --fps 0 --out " +
                              shell_quote((dir / "out").string()));
  EXPECT_NE(r.exit_code, 0);
}

TEST(EmbedVideoCommand, SecondRunLoadsFromTheCache) {
  fs::path clip = golden_dir() / "tiny-clip";
  if (!fs::exists(clip)) GTEST_SKIP() << "no golden data";
  TempDir dir;
  auto path = make_segments(dir, "a.mp4", "-c:v libx264");
  std::string args = "-q embed-video " + shell_quote(path.string()) + " --clip " + shell_quote(clip.string()) +
                     " --cache-dir " + shell_quote((dir / "cache").string()) + " --json --out " +
                     shell_quote((dir / "emb.npy").string());
  RunResult first = run_vidscribe(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto a = nlohmann::json::parse(first.out);
  EXPECT_EQ(a["frames"], 6);
  EXPECT_EQ(a["dim"], 32);
  EXPECT_EQ(a["from_cache"], false);
  Npy emb = read_npy(dir / "emb.npy");
  ASSERT_EQ(emb.shape, (std::vector<int64_t>{6, 32}));
  double norm = 0;
  for (int j = 0; j < 32; ++j) norm += emb.values[j] * emb.values[j];
  EXPECT_NEAR(norm, 1.0, 1e-5);
  RunResult second = run_vidscribe(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto b = nlohmann::json::parse(second.out);
  EXPECT_EQ(b["from_cache"], true);
  EXPECT_EQ(b["times_s"], a["times_s"]);
  EXPECT_EQ(read_npy(dir / "emb.npy").values, emb.values);
}

// Ordinary videos and pictures whose widths swscale's SIMD paths overran: YouTube's 426x240, portrait phone
// video and an 8x8 picture, through every command that decodes (run by ctest with glibc's heap checks on).
TEST(MediaCommands, YoutubeAndPortraitSizesDoNotCorruptMemory) {
  fs::path clip = golden_dir() / "tiny-clip";
  if (!fs::exists(clip)) GTEST_SKIP() << "no golden data";
  TempDir dir;
  const std::string models = " --clip " + shell_quote(clip.string()) + " --cache-dir " +
                             shell_quote((dir / "cache").string());
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{426, 240}, {1080, 1920}, {8, 8}}) {
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    SCOPED_TRACE(size);
    const auto video = make_media(dir / (size + ".mp4"), "-f lavfi -i testsrc2=size=" + size +
                                                             ":rate=25 -t 2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
    RunResult r = run_vidscribe("-q frames " + shell_quote(video.string()) + " --out " +
                                shell_quote((dir / ("frames" + size)).string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = run_vidscribe("-q embed-video " + shell_quote(video.string()) + models + " --json --out " +
                      shell_quote((dir / (size + ".npy")).string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto jpeg = make_media(dir / (size + ".jpg"), "-f lavfi -i testsrc2=size=" + size + " -frames:v 1");
    r = run_vidscribe("-q embed-image --clip " + shell_quote(clip.string()) + " " + shell_quote(jpeg.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

}  // namespace
}  // namespace vidscribe::testing
