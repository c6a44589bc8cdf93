// vidscribe library and vidscribe search through the program: the tiny golden models end to end (structure,
// order, determinism, the JSON schema), batch results imported, kill -9 at random moments, two writers at
// once, bad input; and the world's trained CLIP finding planted moments in videos cut together here.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

nlohmann::json parse(const RunResult& r) {
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

class LibraryCli : public ::testing::Test {
 protected:
  static constexpr int kVideos = 5;
  void SetUp() override {
    if (!fs::exists(golden_dir() / "tiny-clip")) GTEST_SKIP() << "no golden models at " << golden_dir();
    fs::create_directories(tmp_ / "v/sub");
    for (int i = 0; i < kVideos; ++i) {
      const std::string name = (i % 2 ? "v/sub/clip" : "v/clip") + std::to_string(i) + ".mp4";
      RunResult r = run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=5 -t " +
                                std::to_string(2 + i % 3) + " -pix_fmt yuv420p " + shell_quote((tmp_ / name).string()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  std::string lib() const { return " --library " + shell_quote((tmp_ / "lib.db").string()); }
  std::string models(bool lm = true) const {
    std::string s = " --clip " + shell_quote((golden_dir() / "tiny-clip").string());
    if (lm) s += " --lm " + shell_quote((golden_dir() / "tiny-gpt2").string()) + " --max-tokens 4 --candidates 16 --steps 30";
    return s + " --no-cache";
  }
  std::string add(const std::string& extra = "") const {
    return "library add -r " + shell_quote((tmp_ / "v").string()) + lib() + models() + " --caption " + extra;
  }
  // Rows of a table, and rows that are not distinct by the columns that make them one thing.
  int64_t count(const std::string& sql) const {
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open_v2((tmp_ / "lib.db").c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
    int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
  }
  void expect_no_duplicates() const {
    EXPECT_EQ(count("SELECT count(*) FROM videos"), count("SELECT count(DISTINCT path) FROM videos"));
    EXPECT_EQ(count("SELECT count(*) FROM frame_sets"), count("SELECT count(DISTINCT video_id || ':' || model_id) FROM frame_sets"));
    EXPECT_EQ(count("SELECT count(*) FROM caption_runs"),
              count("SELECT count(DISTINCT video_id || ':' || models_key || ':' || options) FROM caption_runs"));
    EXPECT_EQ(count("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM caption_runs r WHERE r.id = e.run_id)"), 0);
  }
  TempDir tmp_;
};

TEST_F(LibraryCli, AddsSearchesAndDescribesOnTheTinyModels) {
  RunResult r = run_vidscribe(add());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("5 added, 0 already there, 0 failed, of 5"), std::string::npos) << r.err;
  r = run_vidscribe(add());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 added, 5 already there"), std::string::npos) << r.err;
  expect_no_duplicates();

  r = run_vidscribe("library list --json" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json list = parse(r);
  ASSERT_EQ(list.size(), 5u);
  for (const auto& v : list) {
    EXPECT_GT(v["frames"].get<int>(), 0);
    EXPECT_GT(v["events"].get<int>(), 0);
    EXPECT_FALSE(v["missing"].get<bool>());
  }
  const int64_t first = list[0]["id"].get<int64_t>();
  r = run_vidscribe("library info --json " + std::to_string(first) + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json info = parse(r);
  EXPECT_EQ(info["frame_sets"].size(), 1u);
  EXPECT_EQ(info["caption_runs"].size(), 1u);
  ASSERT_FALSE(info["latest_events"].empty());
  const std::string caption = info["latest_events"][0]["caption"].get<std::string>();

  // Structure, order and determinism of a text search.
  const std::string search = "search 'a red ball' --json --top 4" + lib();
  r = run_vidscribe(search);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json res = parse(r);
  EXPECT_EQ(res["query"], "a red ball");
  EXPECT_EQ(res["mode"], "both");
  ASSERT_TRUE(res["results"].is_array());
  ASSERT_FALSE(res["results"].empty());
  EXPECT_LE(res["results"].size(), 4u);
  double previous = INFINITY;
  for (const auto& m : res["results"]) {
    for (const char* k : {"video_id", "path", "missing", "start", "end", "score", "frame_score", "text_score", "best_frame", "events"}) {
      EXPECT_TRUE(m.contains(k)) << k;
    }
    EXPECT_LE(m["score"].get<double>(), previous);
    previous = m["score"].get<double>();
    EXPECT_LE(m["start"].get<double>(), m["end"].get<double>());
    EXPECT_GE(m["best_frame"].get<double>(), m["start"].get<double>() - 1e-9);
    EXPECT_LE(m["best_frame"].get<double>(), m["end"].get<double>() + 1e-9);
  }
  EXPECT_EQ(run_vidscribe(search).out, r.out);  // the same answer again (the index now loaded, not rebuilt)
  // Text output, the captions mode on a word of a caption, and a search by picture.
  r = run_vidscribe("search 'a red ball'" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" 1. "), std::string::npos) << r.out;
  std::string word;
  for (char c : caption) {
    if (std::isalpha(static_cast<unsigned char>(c))) word += c;
    else if (word.size() >= 3) break;
    else word.clear();
  }
  ASSERT_FALSE(word.empty()) << caption;
  r = run_vidscribe("search " + shell_quote(word) + " --mode captions --json" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json by_caption = parse(r);
  ASSERT_FALSE(by_caption["results"].empty()) << word;
  EXPECT_GT(by_caption["results"][0]["text_score"].get<double>(), 0);
  ASSERT_EQ(run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48 -frames:v 1 " +
                        shell_quote((tmp_ / "q.png").string())).exit_code, 0);
  r = run_vidscribe("search --image " + shell_quote((tmp_ / "q.png").string()) + " --json" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(parse(r)["results"].empty());

  // Remove; check.
  r = run_vidscribe("library remove " + std::to_string(first) + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse(run_vidscribe("library list --json" + lib())).size(), 4u);
  EXPECT_EQ(run_vidscribe("library info " + std::to_string(first) + lib()).exit_code, 3);  // not found
  r = run_vidscribe("library check" + lib());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("database: ok"), std::string::npos) << r.out;
}

TEST_F(LibraryCli, ImportsBatchResultsWithoutRecomputing) {
  RunResult r = run_vidscribe("batch " + shell_quote((tmp_ / "v").string()) + " --out " + shell_quote((tmp_ / "out").string()) + models());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_vidscribe("library add --results " + shell_quote((tmp_ / "out").string()) + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("5 added"), std::string::npos) << r.err;
  const nlohmann::json list = parse(run_vidscribe("library list --json" + lib()));
  ASSERT_EQ(list.size(), 5u);
  for (const auto& v : list) {
    EXPECT_EQ(v["frames"], 0);
    EXPECT_GT(v["events"].get<int>(), 0);
  }
  EXPECT_EQ(count("SELECT count(*) FROM caption_runs WHERE source LIKE 'batch:%'"), 5);
  r = run_vidscribe("library add --results " + shell_quote((tmp_ / "out").string()) + lib());
  EXPECT_NE(r.err.find("0 added, 5 already there"), std::string::npos) << r.err;
  // The same captions are found by words before any frame is embedded.
  r = run_vidscribe("search 'the' --mode captions --json" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Frames added afterwards; the captions are not redone.
  r = run_vidscribe("library add -r " + shell_quote((tmp_ / "v").string()) + lib() + models(false));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count("SELECT count(*) FROM caption_runs"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM frame_sets"), 5);
  expect_no_duplicates();
}

TEST_F(LibraryCli, KilledAtRandomMomentsStaysConsistentAndFinishes) {
  std::mt19937 rng(20261203);
  std::uniform_int_distribution<int> delay_ms(50, 2500);
  for (int round = 0; round < 20; ++round) {
    const int ms = delay_ms(rng);
    const RunResult k = run_command(vidscribe_command("-q " + add()) + " >/dev/null 2>&1 & p=$!; sleep " +
                                    std::to_string(ms / 1000.0) + "; kill -9 $p 2>/dev/null; wait $p; exit 0");
    ASSERT_EQ(k.exit_code, 0) << k.err;
    const RunResult c = run_vidscribe("library check --json" + lib());
    if (!fs::exists(tmp_ / "lib.db")) continue;  // killed before the file was made
    ASSERT_EQ(c.exit_code, 0) << "round " << round << " after " << ms << " ms: " << c.out << c.err;
    EXPECT_TRUE(parse(c)["ok"].get<bool>()) << c.out;
    expect_no_duplicates();
  }
  const RunResult r = run_vidscribe(add());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count("SELECT count(*) FROM videos"), kVideos);
  EXPECT_EQ(count("SELECT count(*) FROM frame_sets"), kVideos);
  EXPECT_EQ(count("SELECT count(*) FROM caption_runs"), kVideos);
  expect_no_duplicates();
  EXPECT_EQ(run_vidscribe("library check" + lib()).exit_code, 0);
}

TEST_F(LibraryCli, TwoWritersAtOnceAndOneThatGivesUp) {
  const RunResult both = run_command(vidscribe_command(add()) + " >" + shell_quote((tmp_ / "a.log").string()) + " 2>&1 & a=$!; " +
                                     vidscribe_command(add()) + " >" + shell_quote((tmp_ / "b.log").string()) +
                                     " 2>&1; b=$?; wait $a; a=$?; echo $a $b");
  EXPECT_EQ(both.out, "0 0\n") << slurp(tmp_ / "a.log") << slurp(tmp_ / "b.log");
  EXPECT_EQ(count("SELECT count(*) FROM videos"), kVideos);
  expect_no_duplicates();
  // Another process holds the write lock: the writer waits, says so once, and gives up clearly.
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open((tmp_ / "lib.db").c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=5 -t 3 -pix_fmt yuv420p " +
                        shell_quote((tmp_ / "v/new.mp4").string())).exit_code, 0);
  const RunResult r = run_vidscribe(add("--busy-timeout 2"));
  sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  EXPECT_EQ(r.exit_code, 4) << r.err;  // an I/O error
  EXPECT_NE(r.err.find("is busy (another vidscribe is writing to it); waiting"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gave up after 2 s"), std::string::npos) << r.err;
  EXPECT_EQ(run_vidscribe(add()).exit_code, 0);
  EXPECT_EQ(count("SELECT count(*) FROM videos"), kVideos + 1);
}

TEST_F(LibraryCli, BadInputGetsOneClearMessage) {
  ASSERT_EQ(run_vidscribe(add()).exit_code, 0);
  // Queries: very long (cut, answered), empty, not UTF-8, neither text nor image.
  RunResult r = run_vidscribe("search " + shell_quote(std::string(10000, 'a') + " ball") + " --json" + lib());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("longer than 4096 bytes"), std::string::npos) << r.err;
  r = run_vidscribe("search '   '" + lib());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the query is empty"), std::string::npos) << r.err;
  r = run_vidscribe("search \"$(printf 'a\\377\\376b')\"" + lib());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid UTF-8"), std::string::npos) << r.err;
  r = run_vidscribe("search" + lib());
  EXPECT_EQ(r.exit_code, 2);
  r = run_vidscribe("search x --image " + shell_quote((tmp_ / "none.png").string()) + lib());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // Libraries: not SQLite, a newer schema, missing.
  util::write_file_atomic(tmp_ / "bad.db", "this is not a database, only text, but long enough to be read as a header......");
  r = run_vidscribe("search ball --library " + shell_quote((tmp_ / "bad.db").string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not a vidscribe library"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run_vidscribe("library list --library " + shell_quote((tmp_ / "none.db").string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("vidscribe library add creates one"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp_ / "none.db"));
  fs::copy_file(tmp_ / "lib.db", tmp_ / "newer.db");
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((tmp_ / "newer.db").c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "PRAGMA user_version = 2", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  r = run_vidscribe("library list --library " + shell_quote((tmp_ / "newer.db").string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("schema version 2"), std::string::npos) << r.err;
  // Paths: a folder without -r, a file that is not there, a file that is not a video (counted, exit 10).
  r = run_vidscribe("library add " + shell_quote((tmp_ / "v").string()) + lib() + models(false));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--recursive"), std::string::npos) << r.err;
  r = run_vidscribe("library add " + shell_quote((tmp_ / "nothing.mp4").string()) + lib() + models(false));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  util::write_file_atomic(tmp_ / "text.mp4", "not a video");
  r = run_vidscribe("library add " + shell_quote((tmp_ / "text.mp4").string()) + lib() + models(false));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.err.find("text.mp4"), std::string::npos) << r.err;
  // A video deleted after it was added: results still come, flagged; check reports it missing.
  fs::remove(tmp_ / "v/clip0.mp4");
  r = run_vidscribe("search ball --json --top 50 --per-video 1" + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool flagged = false;
  const nlohmann::json found = parse(r);
  for (const auto& m : found["results"]) {
    if (m["path"].get<std::string>().find("clip0.mp4") != std::string::npos) flagged = m["missing"].get<bool>();
  }
  EXPECT_TRUE(flagged) << r.out << r.err;
  r = run_vidscribe("library check" + lib());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("missing: "), std::string::npos) << r.out;
  // Moved: found in a folder given, followed with --fix.
  fs::rename(tmp_ / "v/sub/clip1.mp4", tmp_ / "clip1-moved.mp4");
  r = run_vidscribe("library check --fix --search-dir " + shell_quote(tmp_.path().string()) + lib());
  EXPECT_NE(r.out.find("moved: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("now at "), std::string::npos) << r.out;
  EXPECT_EQ(count("SELECT count(*) FROM videos WHERE path LIKE '%clip1-moved.mp4'"), 1);
  // Touched (same content, new time): facts updated. Changed (other content): old frames and captions dropped.
  ASSERT_EQ(run_command("touch -d '2030-01-01' " + shell_quote((tmp_ / "v/clip2.mp4").string())).exit_code, 0);
  ASSERT_EQ(run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x48:rate=5 -t 3 -pix_fmt yuv420p " +
                        shell_quote((tmp_ / "v/sub/clip3.mp4").string())).exit_code, 0);
  r = run_vidscribe("library check --json" + lib());
  const nlohmann::json report = parse(r);
  std::string files = report["files"].dump();
  EXPECT_NE(files.find("touched (same content)"), std::string::npos) << files;
  EXPECT_NE(files.find("changed: "), std::string::npos) << files;
  r = run_vidscribe("library check --fix" + lib());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count("SELECT count(*) FROM frame_sets f JOIN videos v ON v.id = f.video_id WHERE v.path LIKE '%clip3.mp4'"), 0);
  files = parse(run_vidscribe("library check --json" + lib()))["files"].dump();
  EXPECT_EQ(files.find("touched"), std::string::npos) << files;
  EXPECT_EQ(files.find("changed"), std::string::npos) << files;
  // The next add redoes the changed file only.
  r = run_vidscribe(add());
  EXPECT_NE(r.err.find("1 added"), std::string::npos) << r.err;
}

// Frames of two CLIP models in one library: a search must be told which, and then uses that one.
TEST_F(LibraryCli, SeveralClipModelsNeedAChoice) {
  const fs::path world = shared_dir() / "world/models/world-clip";
  if (!fs::exists(world)) GTEST_SKIP() << "no world at " << world;
  const std::string v = shell_quote((tmp_ / "v/clip0.mp4").string());
  ASSERT_EQ(run_vidscribe("library add " + v + lib() + models(false)).exit_code, 0);
  RunResult r = run_vidscribe("library add " + v + lib() + " --clip " + shell_quote(world.string()) + " --no-cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count("SELECT count(*) FROM frame_sets"), 2);
  r = run_vidscribe("search ball" + lib());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("several CLIP models"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--clip chooses"), std::string::npos) << r.err;
  r = run_vidscribe("search ball --json --mode frames --clip " + shell_quote(world.string()) + lib());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sha = parse(r)["clip"].get<std::string>();
  EXPECT_EQ(count("SELECT count(*) FROM models WHERE sha256 = '" + sha + "' AND folder LIKE '%world-clip'"), 1);
  r = run_vidscribe("search ball --clip " + shell_quote((golden_dir() / "tiny-gpt2").string()) + lib());
  EXPECT_EQ(r.exit_code, 3) << r.err;  // a model the library has no frames of
}

// The world's CLIP knows its scenes: a video cut together here from three scenes, and another of one scene;
// the query for the middle scene finds it there, by text and by a picture of it.
TEST(LibraryWorld, FindsThePlantedMoment) {
  const fs::path world = shared_dir() / "world";
  if (!fs::exists(world / "models/world-clip")) GTEST_SKIP() << "no world at " << world;
  TempDir tmp;
  const std::string v1 = shell_quote((world / "videos/v_world01.mp4").string());
  const std::string v2 = shell_quote((world / "videos/v_world02.mp4").string());
  const std::string v3 = shell_quote((world / "videos/v_world03.mp4").string());
  // planted.mp4: black square on yellow (0-10 s), yellow triangle on blue (10-20 s), blue square on red (20-30 s).
  RunResult r = run_command(
      "ffmpeg -nostdin -v error -y -i " + v2 + " -i " + v1 + " -i " + v3 +
      " -filter_complex '[0:v]trim=0:10,setpts=PTS-STARTPTS[a];[1:v]trim=25:35,setpts=PTS-STARTPTS[b];"
      "[2:v]trim=20:30,setpts=PTS-STARTPTS[c];[a][b][c]concat=n=3:v=1[out]' -map '[out]' -c:v libx264 -pix_fmt yuv420p " +
      shell_quote((tmp / "planted.mp4").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // other.mp4: green circle on black, 15 s.
  r = run_command("ffmpeg -nostdin -v error -y -ss 2 -t 15 -i " + v1 + " -c:v libx264 -pix_fmt yuv420p " +
                  shell_quote((tmp / "other.mp4").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string lib = " --library " + shell_quote((tmp / "lib.db").string());
  r = run_vidscribe("library add " + shell_quote((tmp / "planted.mp4").string()) + " " + shell_quote((tmp / "other.mp4").string()) +
                    lib + " --clip " + shell_quote((world / "models/world-clip").string()) + " --no-cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto top = [&](const std::string& args) {
    const RunResult s = run_vidscribe("search " + args + " --mode frames --json" + lib);
    EXPECT_EQ(s.exit_code, 0) << s.err;
    const nlohmann::json j = parse(s);
    EXPECT_FALSE(j["results"].empty()) << s.out;
    return j["results"].empty() ? nlohmann::json() : j["results"][0];
  };
  nlohmann::json m = top("'a yellow triangle on a blue background'");
  EXPECT_NE(m["path"].get<std::string>().find("planted.mp4"), std::string::npos) << m;
  EXPECT_GE(m["best_frame"].get<double>(), 10);
  EXPECT_LE(m["best_frame"].get<double>(), 20);
  const double a = m["start"].get<double>(), b = m["end"].get<double>();
  const double iou = std::max(0.0, std::min(b, 20.0) - std::max(a, 10.0)) / (std::max(b, 20.0) - std::min(a, 10.0));
  EXPECT_GE(iou, 0.5) << m;
  m = top("'a green circle on a black background'");
  EXPECT_NE(m["path"].get<std::string>().find("other.mp4"), std::string::npos) << m;
  m = top("'a blue square on a red background'");
  EXPECT_NE(m["path"].get<std::string>().find("planted.mp4"), std::string::npos) << m;
  EXPECT_GE(m["best_frame"].get<double>(), 20);
  // By picture: a frame of the planted scene from the source video.
  ASSERT_EQ(run_command("ffmpeg -nostdin -v error -y -ss 30 -i " + v1 + " -frames:v 1 " + shell_quote((tmp / "q.png").string())).exit_code, 0);
  m = top("--image " + shell_quote((tmp / "q.png").string()));
  EXPECT_NE(m["path"].get<std::string>().find("planted.mp4"), std::string::npos) << m;
  EXPECT_GE(m["best_frame"].get<double>(), 10);
  EXPECT_LE(m["best_frame"].get<double>(), 20);
}

}  // namespace
}  // namespace vidscribe::testing
