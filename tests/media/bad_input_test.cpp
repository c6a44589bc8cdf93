// Broken and hostile inputs: one clear Error each, never a crash, a hang or a huge allocation.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "media/image.h"
#include "media/probe.h"
#include "media/sampler.h"
#include "media_fixtures.h"
#include "vidscribe/error.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs probe and sample_frames on `path`; both must throw `code` with a message containing `needle`.
void expect_refused(const fs::path& path, ErrorCode code, const std::string& needle) {
  for (int which = 0; which < 2; ++which) {
    SCOPED_TRACE(which == 0 ? "probe" : "sample_frames");
    try {
      if (which == 0) {
        media::probe(path);
      } else {
        media::sample_frames(path, media::SamplingOptions{});
      }
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

TEST(BadInput, MissingFile) {
  TempDir dir;
  expect_refused(dir / "nope.mp4", ErrorCode::kNotFound, "no such file");
}

TEST(BadInput, Directory) {
  TempDir dir;
  expect_refused(dir.path(), ErrorCode::kIo, "is a directory");
}

TEST(BadInput, EmptyFile) {
  TempDir dir;
  write_bytes(dir / "empty.mp4", "");
  expect_refused(dir / "empty.mp4", ErrorCode::kUnsupportedMedia, "empty file");
}

TEST(BadInput, RandomBytes) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  write_bytes(dir / "noise.mp4", bytes);
  expect_refused(dir / "noise.mp4", ErrorCode::kUnsupportedMedia, "noise.mp4");
}

TEST(BadInput, AudioOnly) {
  TempDir dir;
  auto path = make_media(dir / "sound.m4a", "-f lavfi -i sine=d=1 -c:a aac");
  expect_refused(path, ErrorCode::kUnsupportedMedia, "no video stream");
}

TEST(BadInput, ZeroFrameVideo) {
  TempDir dir;
  // A valid header for a 64x48 stream, and no frame after it.
  write_bytes(dir / "zero.y4m", "YUV4MPEG2 W64 H48 F25:1 C420jpeg\n");
  expect_refused(dir / "zero.y4m", ErrorCode::kUnsupportedMedia, "no frames");
}

TEST(BadInput, AbsurdDeclaredSize) {
  TempDir dir;
  // FFmpeg itself accepts 16000x16000 (256 Mpx, 384 MB a frame); we refuse above 100 Mpx.
  write_bytes(dir / "huge.y4m", "YUV4MPEG2 W16000 H16000 F25:1 C420jpeg\nFRAME\n" + std::string(4096, 'x'));
  expect_refused(dir / "huge.y4m", ErrorCode::kUnsupportedMedia, "exceeds the limit");
}

TEST(BadInput, Mp4CutBeforeItsIndex) {
  TempDir dir;
  // Without +faststart the index (moov) is at the end: half a file has no index and cannot be read.
  auto path = make_segments(dir, "full.mp4", "-c:v libx264");
  std::string bytes = slurp(path);
  write_bytes(dir / "cut.mp4", bytes.substr(0, bytes.size() / 2));
  expect_refused(dir / "cut.mp4", ErrorCode::kUnsupportedMedia, "cut.mp4");
}

TEST(BadInput, ImageReaderRefusesNonImages) {
  TempDir dir;
  write_bytes(dir / "noise.png", std::string(1000, '\x42'));
  EXPECT_THROW(media::read_image(dir / "noise.png"), Error);
  EXPECT_THROW(media::read_image(dir / "missing.png"), Error);
}

}  // namespace
}  // namespace vidscribe::testing
