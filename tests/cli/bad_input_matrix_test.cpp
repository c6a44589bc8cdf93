// Each command that reads outside data, against each class of broken input: the documented exit code (never
// a crash, an abort or an internal error), one line on stderr under 1 KB, and no temporary file left behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

struct BrokenInput {
  std::string name;
  fs::path path;
};

class BadInputMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = golden_dir();
    if (!fs::exists(golden_ / "tiny-clip")) GTEST_SKIP() << "no golden models at " << golden_;
    util::write_file_atomic(tmp_ / "empty.mp4", "");
    std::string noise;
    for (int i = 0; i < 20000; ++i) noise += static_cast<char>((i * 7919 + 13) % 251);
    util::write_file_atomic(tmp_ / "random.mp4", noise);
    const auto video = tmp_ / "video.mp4";
    RunResult r = run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=10 -t 3 "
                              "-c:v libx264 -pix_fmt yuv420p " + shell_quote(video.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string bytes = slurp(video);
    util::write_file_atomic(tmp_ / "truncated.mp4", bytes.substr(0, bytes.size() / 3));
    fs::create_directories(tmp_ / "a-folder.mp4");
    util::write_file_atomic(tmp_ / "name-\xff\xfe.mp4", noise);  // a file name that is not UTF-8
    inputs_ = {{"missing", tmp_ / "missing.mp4"},  {"empty", tmp_ / "empty.mp4"},
               {"random bytes", tmp_ / "random.mp4"}, {"truncated", tmp_ / "truncated.mp4"},
               {"folder", tmp_ / "a-folder.mp4"},  {"invalid UTF-8 name", tmp_ / "name-\xff\xfe.mp4"}};
  }

  // Runs `args` and checks the promises; returns the exit code.
  int expect_clean_failure(const std::string& what, const std::string& args) {
    SCOPED_TRACE(what);
    const RunResult r = run_vidscribe(args);
    static const std::set<int> documented = {2, 3, 4, 5, 6};
    EXPECT_TRUE(documented.count(r.exit_code) == 1) << "exit " << r.exit_code << ": " << r.err.substr(0, 400);
    EXPECT_LT(r.err.size(), 1024u) << r.err.substr(0, 400);
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err.substr(0, 400);
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    for (const auto& e : fs::recursive_directory_iterator(tmp_.path())) {
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
    }
    return r.exit_code;
  }

  std::string q(const fs::path& p) const { return shell_quote(p.string()); }

  TempDir tmp_;
  fs::path golden_;
  std::vector<BrokenInput> inputs_;
};

TEST_F(BadInputMatrix, EveryVideoCommandFailsCleanlyOnEveryBrokenVideo) {
  const std::string clip = " --clip " + q(golden_ / "tiny-clip"), lm = " --lm " + q(golden_ / "tiny-gpt2");
  for (const auto& input : inputs_) {
    const std::string v = q(input.path);
    // A truncated file keeps the frames that decode: it may succeed, with a warning.
    const bool may_succeed = input.name == "truncated";
    for (const auto& [command, args] : std::vector<std::pair<std::string, std::string>>{
             {"probe", "probe " + v},
             {"frames", "frames " + v + " --out " + q(tmp_ / "frames")},
             {"embed-video", "embed-video " + v + clip + " --cache-dir " + q(tmp_ / "cache")},
             {"embed-image", "embed-image" + clip + " " + v},
             {"caption", "caption " + v + clip + lm + " --max-tokens 4 --candidates 16 --no-cache -o " +
                             q(tmp_ / "out.json")}}) {
      const std::string what = command + " on " + input.name;
      if (may_succeed && command != "embed-image") {
        const RunResult r = run_vidscribe(args);
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 5) << what << ": exit " << r.exit_code << ": " << r.err;
        continue;
      }
      expect_clean_failure(what, args);
    }
  }
}

TEST_F(BadInputMatrix, OutputsThatCannotBeWrittenFailCleanly) {
  const std::string clip = " --clip " + q(golden_ / "tiny-clip"), lm = " --lm " + q(golden_ / "tiny-gpt2");
  util::write_file_atomic(tmp_ / "a-file", "x");
  const auto video = q(tmp_ / "video.mp4");
  const auto unwritable = tmp_ / "a-file" / "out";  // a file stands where a folder should be
  EXPECT_EQ(expect_clean_failure("caption -o", "caption " + video + clip + lm + " --max-tokens 4 --candidates 16 " +
                                                   "--no-cache -o " + q(unwritable / "x.json")), 4);
  EXPECT_NE(expect_clean_failure("frames --out", "frames " + video + " --out " + q(unwritable)), 0);
  EXPECT_NE(expect_clean_failure("embed-video --out", "embed-video " + video + clip + " --no-cache --out " +
                                                          q(unwritable / "e.npy")), 0);
  EXPECT_EQ(expect_clean_failure("caption -o folder", "caption " + video + clip + lm +
                                                          " --max-tokens 4 --candidates 16 --no-cache -o " +
                                                          q(tmp_ / "a-folder.mp4")), 4);
}

TEST_F(BadInputMatrix, ModelFoldersAndTextsFailCleanly) {
  fs::create_directories(tmp_ / "no-model");
  expect_clean_failure("embed-text, empty model folder", "embed-text --clip " + q(tmp_ / "no-model") + " hello");
  expect_clean_failure("generate, empty model folder", "generate --lm " + q(tmp_ / "no-model") + " hello");
  expect_clean_failure("generate, a CLIP folder", "generate --lm " + q(golden_ / "tiny-clip") + " hello");
  expect_clean_failure("embed-text, a GPT-2 folder", "embed-text --clip " + q(golden_ / "tiny-gpt2") + " hello");
  expect_clean_failure("embed-text, missing folder", "embed-text --clip " + q(tmp_ / "missing") + " hello");
}

// A full disk: a 256 KiB tmpfs filled up (needs root, as on the test machines; skipped otherwise). The output
// fails with an I/O error and leaves nothing; a frame cache there costs a warning, not the run.
TEST_F(BadInputMatrix, FullDiskFailsCleanly) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const auto full = tmp_ / "full";
  fs::create_directories(full);
  if (run_command("mount -t tmpfs -o size=256k tmpfs " + q(full)).exit_code != 0) GTEST_SKIP() << "cannot mount";
  struct Unmount {
    std::string dir;
    ~Unmount() { run_command("umount " + shell_quote(dir)); }
  } unmount{full.string()};
  run_command("dd if=/dev/zero of=" + q(full / "filler") + " bs=4k 2>/dev/null");
  const std::string clip = " --clip " + q(golden_ / "tiny-clip"), lm = " --lm " + q(golden_ / "tiny-gpt2");
  const std::string caption = "caption " + q(tmp_ / "video.mp4") + clip + lm + " --max-tokens 4 --candidates 16 ";
  EXPECT_EQ(expect_clean_failure("caption -o on a full disk", caption + "--no-cache -o " + q(full / "out.json")), 4);
  EXPECT_FALSE(fs::exists(full / "out.json"));
  const RunResult r = run_vidscribe(caption + "--frame-cache " + q(full / "cache"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cannot store frame embeddings"), std::string::npos) << r.err;
  for (const auto& e : fs::recursive_directory_iterator(full)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
  }
}

}  // namespace
}  // namespace vidscribe::testing
