// write_output: atomic files, standard output, nothing written on error.
#include <gtest/gtest.h>

#include "export/export.h"
#include "support/support.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {
namespace fs = std::filesystem;

VideoCaptions clip() {
  VideoCaptions v;
  v.video = "clip.mp4";
  v.duration_s = 30;
  v.events = {{0, 10, "red", 0.5}, {10, 20, "blue", 0.5}, {20, 30, "green", 0.5}};
  return v;
}

size_t entries(const fs::path& dir) {
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

TEST(WriteOutput, WritesWhatRenderGives) {
  testing::TempDir tmp;
  write_output(tmp / "a.srt", Format::kSrt, {clip()});
  EXPECT_EQ(util::read_file(tmp / "a.srt"), render(Format::kSrt, {clip()}));
  write_output(tmp / "a.srt", Format::kVtt, {clip()});  // replaces
  EXPECT_EQ(util::read_file(tmp / "a.srt"), render(Format::kVtt, {clip()}));
  EXPECT_EQ(entries(tmp.path()), 1u);
}

TEST(WriteOutput, RenderErrorLeavesOldFileAndNoTemporary) {
  testing::TempDir tmp;
  util::write_file_atomic(tmp / "out.srt", "old");
  EXPECT_THROW(write_output(tmp / "out.srt", Format::kSrt, {clip(), clip()}), Error);
  EXPECT_EQ(util::read_file(tmp / "out.srt"), "old");
  EXPECT_THROW(write_output(tmp / "new.vtt", Format::kChapters, {VideoCaptions{}}), Error);
  EXPECT_FALSE(fs::exists(tmp / "new.vtt"));
  EXPECT_EQ(entries(tmp.path()), 1u);
}

TEST(WriteOutput, MissingFolderIsATypedError) {
  testing::TempDir tmp;
  try {
    write_output(tmp / "no/such/dir/out.json", Format::kJson, {clip()});
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kIo) << e.what();
  }
}

TEST(WriteOutput, DashIsStandardOutput) {
  testing::TempDir tmp;
  ::testing::internal::CaptureStdout();
  write_output("-", Format::kTxt, {clip()});
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, render(Format::kTxt, {clip()}));
  EXPECT_FALSE(fs::exists("-"));
}

}  // namespace
}  // namespace vidscribe::exporter
