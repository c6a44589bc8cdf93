// vidscribe batch end to end through the program on the tiny golden models: results, failures, resume,
// shards, two processes on one shard, SIGKILL at random moments, SIGTERM, status, merge and bad input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "batch/manifest.h"
#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

class BatchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(golden_dir() / "tiny-clip")) GTEST_SKIP() << "no golden models at " << golden_dir();
    fs::create_directories(tmp_ / "v/sub");
    for (int i = 0; i < kGood; ++i) {
      const std::string name = (i % 2 ? "v/sub/clip" : "v/clip") + std::to_string(i) + ".mp4";
      RunResult r = run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=5 -t " +
                                std::to_string(2 + i % 3) + " -pix_fmt yuv420p " + shell_quote((tmp_ / name).string()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      good_.insert(fs::path(name).lexically_relative("v").generic_string());
    }
    util::write_file_atomic(tmp_ / "v/broken.mp4", "not a video at all");
  }

  std::string models() const {
    return " --clip " + shell_quote((golden_dir() / "tiny-clip").string()) + " --lm " +
           shell_quote((golden_dir() / "tiny-gpt2").string()) + " --max-tokens 4 --candidates 16 --no-cache";
  }
  std::string batch(const std::string& args) const {
    return "batch " + shell_quote((tmp_ / "v").string()) + " --out " + shell_quote((tmp_ / "out").string()) + models() +
           " " + args;
  }

  // Every result file: id -> its bytes. A temporary file "<name>.tmp.<pid>.<hex>" is not a result: a
  // process killed between writing and renaming leaves one (swept by a later run once it is 10 minutes old).
  std::map<std::string, std::string> results() const {
    std::map<std::string, std::string> out;
    if (!fs::exists(tmp_ / "out/results")) return out;  // killed before the folder was made
    for (const auto& e : fs::directory_iterator(tmp_ / "out/results")) {
      const std::string name = e.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) continue;
      const std::string text = slurp(e.path());
      const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
      EXPECT_TRUE(j.is_object() && j.contains("events")) << name << " is not a complete result";
      if (j.is_object()) out[j.value("id", "")] = text;
    }
    return out;
  }

  // Temporary files left in the output folder.
  std::vector<std::string> temp_files() const {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(tmp_ / "out")) {
      if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
    }
    return found;
  }

  void expect_all_good_done() const {
    const auto r = results();
    std::set<std::string> ids;
    for (const auto& [id, text] : r) ids.insert(id);
    EXPECT_EQ(ids, good_);
  }

  static constexpr int kGood = 8;
  TempDir tmp_;
  std::set<std::string> good_;
};

TEST_F(BatchCli, CaptionsEveryGoodVideoRecordsTheBrokenOneAndExits10) {
  RunResult r = run_vidscribe(batch("--progress-json"));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  expect_all_good_done();
  const nlohmann::json failed = nlohmann::json::parse(slurp(tmp_ / "out/failed/broken.mp4.json"));
  EXPECT_EQ(failed["error"], "unsupported media");
  EXPECT_EQ(failed["permanent"], true);
  EXPECT_EQ(failed["attempts"], 1);
  EXPECT_NE(r.err.find("1 videos of shard 0/1 failed"), std::string::npos) << r.err;
  int done_lines = 0;
  size_t at = 0;
  while ((at = r.out.find('\n', at)) != std::string::npos) ++at, ++done_lines;
  EXPECT_EQ(done_lines, kGood + 1) << r.out;  // one JSON line per video
  const nlohmann::json result = nlohmann::json::parse(slurp(tmp_ / "out/results/sub%2Fclip1.mp4.json"));
  for (const char* k : {"id", "video_id", "input", "sha256", "vidscribe", "wall_s", "events", "options", "model"}) {
    EXPECT_TRUE(result.contains(k)) << k;
  }
  EXPECT_EQ(result["id"], "sub/clip1.mp4");
  EXPECT_EQ(result["video_id"], "clip1");

  // Resumed: nothing recomputed, the permanent failure not retried, the same status.
  const auto before = results();
  r = run_vidscribe(batch(""));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.err.find("(0 captioned now)"), std::string::npos) << r.err;
  EXPECT_EQ(results(), before);
  // A share with nothing left to do loads no models (a resubmitted array of finished tasks ends at once):
  // a model folder that is not there is never opened.
  r = run_vidscribe("batch " + shell_quote((tmp_ / "v").string()) + " --out " + shell_quote((tmp_ / "out").string()) +
                    " --clip " + shell_quote((tmp_ / "no-such-model").string()) + " --lm " +
                    shell_quote((golden_dir() / "tiny-gpt2").string()) + " --max-tokens 4 --candidates 16 --no-cache");
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_EQ(results(), before);

  // Status and merge.
  r = run_vidscribe("batch status --json " + shell_quote((tmp_ / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json status = nlohmann::json::parse(r.out);
  EXPECT_EQ(status["total"], kGood + 1);
  EXPECT_EQ(status["done"], kGood);
  EXPECT_EQ(status["failed"], 1);
  EXPECT_EQ(status["pending"], 0);
  EXPECT_EQ(status["failed_by_error"]["unsupported media"], 1);
  r = run_vidscribe("batch merge --format anet -o " + shell_quote((tmp_ / "sub.json").string()) + " " +
                    shell_quote((tmp_ / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("missing: broken.mp4"), std::string::npos) << r.err;
  const nlohmann::json anet = nlohmann::json::parse(slurp(tmp_ / "sub.json"));
  EXPECT_EQ(anet["results"].size(), static_cast<size_t>(kGood));
  EXPECT_TRUE(anet["results"].contains("clip1"));
  r = run_vidscribe("batch merge --format jsonl " + shell_quote((tmp_ / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(static_cast<int>(std::count(r.out.begin(), r.out.end(), '\n')), kGood);

  // Other options in the same folder are refused before the models load; --force goes on.
  r = run_vidscribe(batch("--events 2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("was started with other options (events: 2 here, 0 in"), std::string::npos) << r.err;
  r = run_vidscribe(batch("--events 2 --force --retry-failed"));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(tmp_ / "out/failed/broken.mp4.json"))["attempts"], 1);
}

TEST_F(BatchCli, ACorruptOrChangedResultIsCaptionedAgain) {
  ASSERT_EQ(run_vidscribe(batch("")).exit_code, 10);
  util::write_file_atomic(tmp_ / "out/results/clip0.mp4.json", "{\"id\": \"clip0.mp4\", \"events\": []}");
  const std::string bytes = slurp(tmp_ / "v/clip2.mp4");
  util::write_file_atomic(tmp_ / "v/clip2.mp4", bytes);  // same bytes, new modification time
  RunResult r = run_vidscribe(batch(""));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.err.find("clip0.mp4.json is not a complete result"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(2 captioned now)"), std::string::npos) << r.err;
  expect_all_good_done();
}

TEST_F(BatchCli, ShardsSplitTheSortedIdsAndNeverOverlap) {
  std::map<std::string, std::string> shard_of;
  for (int i = 0; i < 4; ++i) {
    RunResult r = run_vidscribe(batch("--shard " + std::to_string(i) + "/4"));
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 10) << r.err;
  }
  // Slurm's environment gives the same split.
  RunResult r = run_command("SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=4 " +
                            vidscribe_command(batch("--progress-json")));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 10) << r.err;
  EXPECT_NE(r.out.find("\"shard\":\"3/4\""), std::string::npos) << r.out;
  expect_all_good_done();
  std::vector<std::string> ids(good_.begin(), good_.end());
  ids.push_back("broken.mp4");
  std::sort(ids.begin(), ids.end());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == "broken.mp4") continue;
    const nlohmann::json j = nlohmann::json::parse(slurp(tmp_ / "out/results" / (batch::file_name_for_id(ids[i]) + ".json")));
    EXPECT_EQ(j["shard"], std::to_string(i % 4) + "/4") << ids[i];
  }
}

TEST_F(BatchCli, TwoProcessesOnOneShardShareTheWorkWithoutDuplicates) {
  const std::string a = vidscribe_command(batch("--progress-json")) + " > " + shell_quote((tmp_ / "a.out").string());
  const std::string b = vidscribe_command(batch("--progress-json")) + " > " + shell_quote((tmp_ / "b.out").string());
  RunResult r = run_command("(" + a + " 2>/dev/null & " + b + " 2>/dev/null & wait)");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int computed = 0;
  for (const char* f : {"a.out", "b.out"}) {
    const std::string out = slurp(tmp_ / f);
    for (size_t at = 0; (at = out.find("\"event\":\"done\"", at)) != std::string::npos; ++at) ++computed;
  }
  EXPECT_EQ(computed, kGood);  // each video captioned once, by one of them
  expect_all_good_done();
}

TEST_F(BatchCli, KilledAtRandomMomentsLosesNothingAndRecomputesNothing) {
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int> delay_ms(100, 1500);
  std::map<std::string, std::string> kept;
  int mid_video = 0;  // kills that hit a video under way: its claim is left behind
  const std::string marker = shell_quote((tmp_ / "started").string());
  const std::string claims = shell_quote((tmp_ / "out/claims").string());
  for (int kill = 0; kill < 20; ++kill) {
    // Even kills come at a random time after the start (loading, scanning, captioning, writing); odd ones at
    // a random time after this process claimed a video, so that some land mid-video however fast it runs.
    std::string wait_for_claim;
    if (kill % 2 == 1) {
      wait_for_claim = "for i in $(seq 600); do find " + claims + " -name '*.claim' -newer " + marker +
                       " 2>/dev/null | grep -q . && break; sleep 0.05; done; ";
    }
    const double delay_s = (kill % 2 == 1 ? delay_ms(rng) / 5 : delay_ms(rng)) / 1000.0;
    const std::string cmd = "touch " + marker + "; " + vidscribe_command(batch("--quiet")) + " 2>/dev/null & pid=$!; " +
                            wait_for_claim + "sleep " + std::to_string(delay_s) + "; kill -9 $pid 2>/dev/null; wait $pid";
    run_command(cmd);
    if (fs::exists(tmp_ / "out/claims")) {
      for (const auto& e : fs::directory_iterator(tmp_ / "out/claims")) {
        if (e.path().extension() == ".claim") ++mid_video;
      }
    }
    const auto now = results();
    for (const auto& [id, text] : kept) {
      ASSERT_TRUE(now.count(id)) << "kill " << kill << " lost the result of " << id;
      EXPECT_EQ(now.at(id), text) << "kill " << kill << " recomputed " << id;
    }
    kept = now;
  }
  EXPECT_GE(mid_video, 3) << "too few kills landed in the middle of a video to test anything";
  RunResult r = run_vidscribe(batch(""));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  expect_all_good_done();
  for (const auto& [id, text] : kept) EXPECT_EQ(results().at(id), text) << id;
}

TEST_F(BatchCli, SigtermAbandonsTheVideoUnderWayAndExits143) {
  // SIGTERM once a video is under way (it holds a claim), as Slurm sends it long after the start.
  const std::string claims = shell_quote((tmp_ / "out/claims").string());
  const std::string cmd = vidscribe_command("-q " + batch("")) + " & pid=$!; for i in $(seq 300); do " +
                          "ls " + claims + "/*.claim >/dev/null 2>&1 && break; sleep 0.05; done; kill -TERM $pid; wait $pid";
  RunResult r = run_command(cmd);
  if (r.exit_code == 10) GTEST_SKIP() << "the batch finished before SIGTERM";
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_NE(r.err.find("batch stopped by SIGTERM"), std::string::npos) << r.err;
  for (const auto& e : fs::directory_iterator(tmp_ / "out/claims")) ADD_FAILURE() << "claim left: " << e.path();
  EXPECT_EQ(temp_files(), std::vector<std::string>{}) << "SIGTERM must leave nothing half-written";
  r = run_vidscribe(batch(""));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  expect_all_good_done();
}

TEST_F(BatchCli, BadInputGetsOneClearMessage) {
  struct Case {
    std::string name, manifest, text;
    int status;
    std::string message;
  };
  const std::string good = (tmp_ / "v/clip0.mp4").string();
  const std::vector<Case> cases = {
      {"bad jsonl line", "m.jsonl", "{\"path\": \"" + good + "\"}\n{oops\n", 2, "m.jsonl:2: not a JSON object"},
      {"duplicate id", "m.csv", "id,path\nv1," + good + "\nv1," + good + "\n", 2, "id \"v1\" is already used on line 2"},
      {"no videos", "m.txt", "# none\n", 3, "lists no videos"},
  };
  for (const Case& c : cases) {
    util::write_file_atomic(tmp_ / c.manifest, c.text);
    RunResult r = run_vidscribe("batch " + shell_quote((tmp_ / c.manifest).string()) + " --out " +
                                shell_quote((tmp_ / ("out-" + c.manifest)).string()) + models());
    EXPECT_EQ(r.exit_code, c.status) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.name << ": " << r.err;
  }
  fs::create_directories(tmp_ / "empty-folder");
  RunResult r = run_vidscribe("batch " + shell_quote((tmp_ / "empty-folder").string()) + " --out " +
                              shell_quote((tmp_ / "o").string()) + models());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no video files under"), std::string::npos) << r.err;

  // An output folder that cannot be made: one line, exit 4, nothing captioned.
  util::write_file_atomic(tmp_ / "a-file", "x");
  r = run_vidscribe("batch " + shell_quote((tmp_ / "v").string()) + " --out " + shell_quote((tmp_ / "a-file/out").string()) +
                    models());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("cannot create the output folder"), std::string::npos) << r.err;

  // A missing file of a manifest is that video's failure, not the run's.
  util::write_file_atomic(tmp_ / "m2.txt", good + "\n" + (tmp_ / "gone.mp4").string() + "\n");
  r = run_vidscribe("batch " + shell_quote((tmp_ / "m2.txt").string()) + " --out " + shell_quote((tmp_ / "o2").string()) +
                    models());
  EXPECT_EQ(r.exit_code, 10) << r.err;
  const nlohmann::json f = nlohmann::json::parse(slurp(tmp_ / "o2/failed" / (batch::file_name_for_id((tmp_ / "gone.mp4").string()) + ".json")));
  EXPECT_EQ(f["error"], "not found");

  r = run_vidscribe("batch " + shell_quote((tmp_ / "v").string()) + " --out " + shell_quote((tmp_ / "o3").string()) +
                    models() + " --shard 4/4");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_vidscribe("batch status " + shell_quote((tmp_ / "nowhere").string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

// An output folder on a disk that fills up, then on a read-only one: one clear line, exit 4, and no file
// that is not complete. Needs a tmpfs of its own (root, and a kernel that lets this process mount).
TEST_F(BatchCli, AFullOrReadOnlyDiskStopsWithOneLineAndLeavesNoPartialFile) {
  const fs::path mnt = tmp_ / "mnt";
  fs::create_directories(mnt);
  if (run_command("mount -t tmpfs -o size=256k tmpfs " + shell_quote(mnt.string())).exit_code != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { run_command("umount -l " + shell_quote(at.string())); }
  } unmount{mnt};
  const std::string args = "-q batch " + shell_quote((tmp_ / "v").string()) + " --out " +
                           shell_quote((mnt / "out").string()) + models();
  // One video (position 1 of the sorted ids is clip0.mp4), then the disk is filled to the last block.
  ASSERT_EQ(run_vidscribe(args + " --shard 1/100").exit_code, 0);
  run_command("dd if=/dev/zero of=" + shell_quote((mnt / "filler").string()) + " bs=1k 2>/dev/null");
  const auto expect_only_complete_results = [&](const char* when) {
    int n = 0;
    for (const fs::path dir : {mnt / "out/results", mnt / "out/failed", mnt / "out/claims"}) {
      for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        EXPECT_EQ(name.find(".tmp."), std::string::npos) << when << ": a temporary file was left: " << name;
        if (dir.filename() == "claims") ADD_FAILURE() << when << ": a claim was left: " << name;
        if (dir.filename() != "results") continue;
        const nlohmann::json j = nlohmann::json::parse(slurp(e.path()), nullptr, false);
        EXPECT_TRUE(j.is_object() && j.contains("events")) << when << ": " << name << " is not complete";
        ++n;
      }
    }
    EXPECT_EQ(n, 1) << when;
  };

  RunResult r = run_vidscribe(args);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_only_complete_results("full disk");

  ASSERT_EQ(run_command("mount -o remount,ro " + shell_quote(mnt.string())).exit_code, 0);
  r = run_vidscribe(args);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_only_complete_results("read-only disk");
}

}  // namespace
}  // namespace vidscribe::testing
