// The parts of vidscribe batch that need no models: manifests, ids and their file names, shards from the
// schedulers' environments, claims between processes, result records.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "batch/claims.h"
#include "batch/manifest.h"
#include "batch/shard.h"
#include "batch/store.h"
#include "support/support.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::batch {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Manifest, LinesSkipCommentsAndBlanksResolveRelativePathsAndSortById) {
  const auto items = parse_manifest("# videos\n\nb/two.mp4\n  /abs/one.mp4  \r\n./a/../c.mp4\n", ManifestFormat::kLines,
                                    "/data/list", "m.txt");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id, "/abs/one.mp4");
  EXPECT_EQ(items[0].path, fs::path("/abs/one.mp4"));
  EXPECT_EQ(items[1].id, "b/two.mp4");
  EXPECT_EQ(items[1].path, fs::path("/data/list/b/two.mp4"));
  EXPECT_EQ(items[2].id, "c.mp4");
  EXPECT_EQ(items[2].path, fs::path("/data/list/c.mp4"));
  EXPECT_FALSE(items[2].explicit_id);
}

TEST(Manifest, JsonlAndCsvTakeTheirIds) {
  const auto j = parse_manifest("{\"id\": \"v_b\", \"path\": \"x.mp4\"}\n# c\n{\"path\": \"y.mp4\", \"id\": 7}\n"
                                "{\"path\": \"z.mp4\"}\n",
                                ManifestFormat::kJsonl, "/m", "m.jsonl");
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0].id, "7");
  EXPECT_TRUE(j[0].explicit_id);
  EXPECT_EQ(j[1].id, "v_b");
  EXPECT_EQ(j[2].id, "z.mp4");
  EXPECT_FALSE(j[2].explicit_id);

  const auto c = parse_manifest("path,ID,duration\n\"dir, with comma/a.mp4\",v_a,10\nb.mp4,,3\n\"q\"\"uote.mp4\",v_q,1\n",
                                ManifestFormat::kCsv, "/m", "m.csv");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].id, "b.mp4");
  EXPECT_EQ(c[1].id, "v_a");
  EXPECT_EQ(c[1].path, fs::path("/m/dir, with comma/a.mp4"));
  EXPECT_EQ(c[2].path, fs::path("/m/q\"uote.mp4"));
}

TEST(Manifest, AnUnreadableLineOrADuplicateIdIsOneMessageWithItsLine) {
  EXPECT_EQ(message_of([] { parse_manifest("{\"path\": \"a\"}\n{\"path\": 3}\n", ManifestFormat::kJsonl, "", "m.jsonl"); }),
            "m.jsonl:2: no \"path\" string");
  EXPECT_EQ(message_of([] { parse_manifest("{\"path\": \"a\"}\n\nnot json\n", ManifestFormat::kJsonl, "", "m.jsonl"); }),
            "m.jsonl:3: not a JSON object");
  EXPECT_EQ(message_of([] { parse_manifest("id,file\n", ManifestFormat::kCsv, "", "m.csv"); }),
            "m.csv:1: the header must name a \"path\" column (id,path)");
  EXPECT_EQ(message_of([] { parse_manifest("id,path\na,\"x.mp4\n", ManifestFormat::kCsv, "", "m.csv"); }),
            "m.csv:2: a quoted field is not closed (fields spanning lines are not supported)");
  EXPECT_EQ(message_of([] { parse_manifest("id,path\nv1\n", ManifestFormat::kCsv, "", "m.csv"); }),
            "m.csv:2: 1 fields, the header has 2");
  EXPECT_EQ(message_of([] { parse_manifest("a.mp4\nb.mp4\n./a.mp4\n", ManifestFormat::kLines, "", "m.txt"); }),
            "m.txt:3: id \"a.mp4\" is already used on line 1");
  EXPECT_EQ(code_of([] { parse_manifest("id,path\n\"v\x01\",a.mp4\n", ManifestFormat::kCsv, "", "m.csv"); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { parse_manifest("{\"id\": \"\\u00ff\", \"path\": \"a\"}\n{\"id\": \"\xff\", \"path\": \"b\"}\n",
                                        ManifestFormat::kJsonl, "", "m.jsonl"); }),
            ErrorCode::kInvalidArgument);
}

TEST(Manifest, AFolderIsScannedForVideosWithIdsRelativeToIt) {
  TempDir tmp;
  fs::create_directories(tmp / "v/sub");
  fs::create_directories(tmp / "v/.hidden");
  for (const char* f : {"v/b.mp4", "v/sub/a.MKV", "v/notes.txt", "v/.hidden/c.mp4", "v/.d.mp4"}) {
    util::write_file_atomic(tmp / f, "x");
  }
  const auto items = read_input(tmp / "v");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, "b.mp4");
  EXPECT_EQ(items[1].id, "sub/a.MKV");
  EXPECT_TRUE(items[1].path.is_absolute());

  fs::create_directories(tmp / "empty/sub");
  util::write_file_atomic(tmp / "empty/sub/readme.txt", "x");
  EXPECT_EQ(code_of([&] { read_input(tmp / "empty"); }), ErrorCode::kNotFound);
  EXPECT_EQ(code_of([&] { read_input(tmp / "nothing-here"); }), ErrorCode::kNotFound);
  util::write_file_atomic(tmp / "blank.txt", "# nothing\n\n");
  EXPECT_EQ(code_of([&] { read_input(tmp / "blank.txt"); }), ErrorCode::kNotFound);
}

TEST(FileNameForId, NeverLeavesTheFolderAndNeverCollides) {
  EXPECT_EQ(file_name_for_id("v_abc-1.mp4"), "v_abc-1.mp4");
  EXPECT_EQ(file_name_for_id("sub/a.mp4"), "sub%2Fa.mp4");
  EXPECT_EQ(file_name_for_id("../../etc/passwd"), "%2E.%2F..%2Fetc%2Fpasswd");
  EXPECT_EQ(file_name_for_id(".."), "%2E.");
  EXPECT_EQ(file_name_for_id("a%2Fb"), "a%252Fb");
  EXPECT_EQ(file_name_for_id("caf\xc3\xa9 x"), "caf%C3%A9%20x");
  const std::string long_a(300, 'a');
  const std::string name = file_name_for_id(long_a);
  EXPECT_LE(name.size(), 160u);
  EXPECT_NE(name, file_name_for_id(long_a + "b"));
  const std::string long_odd(300, '/');
  EXPECT_LE(file_name_for_id(long_odd).size(), 160u);
  EXPECT_EQ(file_name_for_id(long_odd).find('/'), std::string::npos);
  std::set<std::string> names;
  for (const char* id : {"a/b", "a%2Fb", "a_b", "a b", "A/b"}) names.insert(file_name_for_id(id));
  EXPECT_EQ(names.size(), 5u);
}

TEST(Shard, TakesPositionsModuloCountAndParsesStrictly) {
  const Shard s = parse_shard("2/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_TRUE(s.takes(2));
  EXPECT_TRUE(s.takes(6));
  EXPECT_FALSE(s.takes(3));
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/4x", "", "0/1000001"}) {
    EXPECT_EQ(code_of([&] { parse_shard(bad); }), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Shard, ComesFromSlurmArraysOrKubernetesIndexedJobs) {
  std::map<std::string, std::string> env;
  const auto get = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(shard_from_environment(0, get), (Shard{0, 1}));
  env = {{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "4"},
         {"SLURM_ARRAY_TASK_MAX", "7"}};
  EXPECT_EQ(shard_from_environment(0, get), (Shard{1, 4}));
  EXPECT_EQ(code_of([&] { shard_from_environment(3, get); }), ErrorCode::kInvalidArgument);  // --shards disagrees
  env["SLURM_ARRAY_TASK_MAX"] = "12";  // --array=4,6,8,12: not consecutive
  EXPECT_EQ(code_of([&] { shard_from_environment(0, get); }), ErrorCode::kInvalidArgument);
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "8"}, {"SLURM_ARRAY_TASK_STEP", "2"}};
  EXPECT_EQ(code_of([&] { shard_from_environment(0, get); }), ErrorCode::kInvalidArgument);
  env = {{"JOB_COMPLETION_INDEX", "9"}};
  EXPECT_EQ(shard_from_environment(10, get), (Shard{9, 10}));
  EXPECT_EQ(code_of([&] { shard_from_environment(0, get); }), ErrorCode::kInvalidArgument);  // --shards needed
  EXPECT_EQ(code_of([&] { shard_from_environment(9, get); }), ErrorCode::kInvalidArgument);
  env = {{"JOB_COMPLETION_INDEX", "x"}};
  EXPECT_EQ(code_of([&] { shard_from_environment(10, get); }), ErrorCode::kInvalidArgument);
  env.clear();
  EXPECT_EQ(code_of([&] { shard_from_environment(4, get); }), ErrorCode::kInvalidArgument);  // no index
}

TEST(Claims, OneHolderAtATimeAndReleasedOnlyByIt) {
  TempDir tmp;
  Claims a(tmp / "claims", 600, 60);
  Claims b(tmp / "claims", 600, 60);
  EXPECT_TRUE(a.acquire("v1"));
  EXPECT_FALSE(b.acquire("v1"));
  EXPECT_NE(a.holder("v1"), "");
  EXPECT_TRUE(b.acquire("v2"));
  b.release();
  EXPECT_EQ(b.holder("v2"), "");
  a.release();
  EXPECT_TRUE(b.acquire("v1"));
}

TEST(Claims, AStaleClaimIsBrokenOnce) {
  TempDir tmp;
  fs::create_directories(tmp / "claims");
  // A dead process of this machine: a pid that cannot be alive.
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  util::write_file_atomic(tmp / "claims/dead.claim",
                          std::string("{\"host\":\"") + host + "\",\"pid\":2147483000,\"token\":\"t\",\"started\":1}");
  // Another machine's claim that nobody touched for an hour, and one touched just now.
  util::write_file_atomic(tmp / "claims/old.claim", "{\"host\":\"elsewhere\",\"pid\":1,\"token\":\"t\",\"started\":1}");
  struct timespec old_times[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (tmp / "claims/old.claim").c_str(), old_times, 0), 0);
  util::write_file_atomic(tmp / "claims/live.claim", "{\"host\":\"elsewhere\",\"pid\":1,\"token\":\"t\",\"started\":1}");
  // A claim without readable content (its writer died at once) counts by its age too.
  util::write_file_atomic(tmp / "claims/empty.claim", "");

  Claims c(tmp / "claims", 600, 60);
  EXPECT_TRUE(c.acquire("dead"));
  EXPECT_TRUE(c.acquire("old"));
  EXPECT_FALSE(c.acquire("live"));
  EXPECT_FALSE(c.acquire("empty"));
  Claims impatient(tmp / "claims", 0.5, 60);
  usleep(700000);
  EXPECT_TRUE(impatient.acquire("empty"));
}

TEST(Claims, TheHeartbeatKeepsAHeldClaimFresh) {
  TempDir tmp;
  Claims holder(tmp / "claims", 600, 0.1);
  ASSERT_TRUE(holder.acquire("v"));
  struct timespec old_times[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (tmp / "claims/v.claim").c_str(), old_times, 0), 0);
  usleep(400000);
  struct stat st{};
  ASSERT_EQ(stat((tmp / "claims/v.claim").c_str(), &st), 0);
  EXPECT_GT(st.st_mtim.tv_sec, time(nullptr) - 60);
}

TEST(Records, AResultIsValidOnlyWhenCompleteForItsIdAndUnchangedVideo) {
  TempDir tmp;
  util::write_file_atomic(tmp / "v.mp4", "video bytes");
  Item item{"v.mp4", tmp / "v.mp4", false};
  VideoCaptions captions;
  captions.video = item.path.string();
  captions.duration_s = 4;
  captions.events = {Event{0, 2, "a man runs", 0.3}};
  ResultFacts facts;
  ASSERT_TRUE(file_facts(item.path, &facts.size, &facts.mtime_ns));
  const fs::path path = tmp / "r.json";
  const std::string text = result_record(item, captions, facts).dump(2);
  util::write_file_atomic(path, text);
  std::string why;
  auto r = read_result(path, &item, &why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(captions_of(*r).events.at(0).caption, "a man runs");
  EXPECT_EQ(captions_of(*r).video_id, "v");

  Item other{"w.mp4", tmp / "v.mp4", false};
  EXPECT_FALSE(read_result(path, &other, &why));
  EXPECT_NE(why.find("another id"), std::string::npos);
  util::write_file_atomic(path, text.substr(0, text.size() / 2));
  EXPECT_FALSE(read_result(path, &item, &why));
  EXPECT_EQ(why, "not JSON");
  util::write_file_atomic(path, "{\"id\": \"v.mp4\", \"events\": []}");  // an older layout
  EXPECT_FALSE(read_result(path, &item, &why));
  EXPECT_NE(why, "");
  util::write_file_atomic(path, text);
  util::write_file_atomic(tmp / "v.mp4", "other video bytes");
  EXPECT_FALSE(read_result(path, &item, &why));
  EXPECT_EQ(why, "the video changed since it was captioned");
  fs::remove(tmp / "v.mp4");
  EXPECT_TRUE(read_result(path, &item, &why));  // a video that is gone keeps its result
  fs::remove(path);
  EXPECT_FALSE(read_result(path, &item, &why));
  EXPECT_EQ(why, "");
}

}  // namespace
}  // namespace vidscribe::batch
