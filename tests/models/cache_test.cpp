#include "models/cache.h"

#include <gtest/gtest.h>

#include "models/git_sha1.h"
#include "models/scoped_env.h"
#include "support/support.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::models {
namespace {
namespace fs = std::filesystem;
using testing::ScopedEnv;
using testing::TempDir;

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

// Writes a model into `root` the way huggingface_hub does, as if another tool had fetched it.
fs::path write_hf_snapshot(const fs::path& root, const ModelInfo& model) {
  fs::path repo = HubCache(root).repo_dir(model.repo_id);
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "snapshots" / kCommit);
  fs::create_directories(repo / "refs");
  for (const std::string& f : model.files) {
    std::string content = "content of " + f + " in " + model.repo_id;
    std::string blob = f == "model.safetensors" ? util::sha256_hex(content) : git_blob_sha1(content);
    util::write_file_atomic(repo / "blobs" / blob, content);
    fs::create_symlink("../../blobs/" + blob, repo / "snapshots" / kCommit / f);
  }
  util::write_file_atomic(repo / "refs" / "main", kCommit);
  return repo / "snapshots" / kCommit;
}

TEST(LocateCache, PrecedenceOfOverrideAndEnvironment) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  env.set("HOME", "/home/someone");
  EXPECT_EQ(locate_cache().dir, fs::path("/home/someone/.cache/huggingface/hub"));
  EXPECT_EQ(locate_cache().source, "default");
  env.set("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(locate_cache().dir, fs::path("/xdg/huggingface/hub"));
  env.set("HF_HOME", "/hf");
  EXPECT_EQ(locate_cache().dir, fs::path("/hf/hub"));
  env.set("HF_HUB_CACHE", "/hub-cache");
  EXPECT_EQ(locate_cache().dir, fs::path("/hub-cache"));
  EXPECT_EQ(locate_cache().source, "HF_HUB_CACHE");
  env.set("VIDSCRIBE_CACHE", "/vs");
  EXPECT_EQ(locate_cache().dir, fs::path("/vs"));
  EXPECT_EQ(locate_cache("/flag").dir, fs::path("/flag"));
  EXPECT_EQ(locate_cache("/flag").source, "--cache-dir");
}

TEST(HubCache, RepositoryFolderNamesFollowHuggingFaceHub) {
  HubCache cache("/c");
  EXPECT_EQ(cache.repo_dir("openai/clip-vit-large-patch14"), fs::path("/c/models--openai--clip-vit-large-patch14"));
  EXPECT_EQ(cache.repo_dir("gpt2"), fs::path("/c/models--gpt2"));
  EXPECT_EQ(cache.blob_path("gpt2", "abc"), fs::path("/c/models--gpt2/blobs/abc"));
  EXPECT_EQ(cache.snapshot_dir("gpt2", kCommit), fs::path("/c/models--gpt2/snapshots/" + kCommit));
  EXPECT_THROW(cache.snapshot_dir("gpt2", "../x"), Error);
}

TEST(HubCache, SnapshotLinksAreRelativeAndRefsHoldTheCommit) {
  TempDir dir;
  HubCache cache(dir.path());
  cache.link_snapshot_file("openai/x", kCommit, "config.json", "abc");
  cache.link_snapshot_file("openai/x", kCommit, "sub/nested.txt", "def");
  fs::path snap = cache.snapshot_dir("openai/x", kCommit);
  EXPECT_EQ(fs::read_symlink(snap / "config.json"), fs::path("../../blobs/abc"));
  EXPECT_EQ(fs::read_symlink(snap / "sub" / "nested.txt"), fs::path("../../../blobs/def"));
  cache.link_snapshot_file("openai/x", kCommit, "config.json", "xyz");  // replaces
  EXPECT_EQ(fs::read_symlink(snap / "config.json"), fs::path("../../blobs/xyz"));
  EXPECT_FALSE(cache.read_ref("openai/x", "main"));
  cache.write_ref("openai/x", "main", kCommit);
  EXPECT_EQ(testing::slurp(cache.repo_dir("openai/x") / "refs" / "main"), kCommit);  // no newline, as the hub
  EXPECT_EQ(cache.read_ref("openai/x", "main"), kCommit);
}

TEST(ResolveModel, FolderPathIsReturnedAsIs) {
  TempDir dir;
  EXPECT_EQ(resolve_model(dir.path().string()), dir.path());
  try {
    resolve_model((dir / "nope").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
}

TEST(ResolveModel, MissingKnownModelSaysWhichPullToRunAndWhereItLooked) {
  TempDir dir;
  try {
    resolve_model("gpt2-medium", dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(msg.find("run: vidscribe models pull gpt2-medium"), std::string::npos) << msg;
    EXPECT_NE(msg.find((dir / "models--gpt2-medium").string()), std::string::npos) << msg;
  }
}

TEST(ResolveModel, FindsSnapshotWrittenByAnotherToolThroughTheEnvironment) {
  TempDir dir;
  ScopedEnv env;
  testing::clear_hub_env(env);
  env.set("HF_HOME", dir.path().string());
  fs::path snap = write_hf_snapshot(dir / "hub", *find_model("clip-vit-b-32"));
  EXPECT_EQ(resolve_model("clip-vit-b-32"), snap);
  EXPECT_EQ(testing::slurp(resolve_model("clip-vit-b-32") / "vocab.json"),
            "content of vocab.json in openai/clip-vit-base-patch32");
}

TEST(ResolveModel, FindsGpt2CachedUnderItsNewRepositoryName) {
  TempDir dir;
  ModelInfo renamed = *find_model("gpt2-large");
  renamed.repo_id = "openai-community/gpt2-large";
  fs::path snap = write_hf_snapshot(dir.path(), renamed);
  EXPECT_EQ(resolve_model("gpt2-large", dir.path()), snap);
  EXPECT_THROW(resolve_model("gpt2", dir.path()), Error);
}

TEST(ResolveModel, IncompleteSnapshotIsNotAcceptedAndTheMessageNamesTheMissingFile) {
  TempDir dir;
  fs::path snap = write_hf_snapshot(dir.path(), *find_model("gpt2"));
  fs::remove(snap / "model.safetensors");
  try {
    resolve_model("gpt2", dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("lacks model.safetensors"), std::string::npos) << e.what();
  }
}

TEST(ModelStatus, OtherToolsFilesAreUnverifiedUntilVerifyRehashesThem) {
  TempDir dir;
  HubCache cache(dir.path());
  const ModelInfo& gpt2 = *find_model("gpt2");
  write_hf_snapshot(dir.path(), gpt2);
  ModelStatus before = model_status(cache, gpt2);
  ASSERT_TRUE(before.complete());
  EXPECT_EQ(before.overall(), FileState::kUnverified);
  EXPECT_GT(before.total_bytes(), 0);

  ModelStatus verified = verify_model(cache, gpt2);
  EXPECT_EQ(verified.overall(), FileState::kVerified);
  EXPECT_EQ(model_status(cache, gpt2).overall(), FileState::kVerified);  // recorded

  // Damage one blob: the record no longer matches (size changed) and verify reports it.
  std::string blob = model_status(cache, gpt2).files[1].blob_name;
  ASSERT_EQ(model_status(cache, gpt2).files[1].filename, "model.safetensors");
  util::write_file_atomic(cache.blob_path(gpt2.repo_id, blob), "tampered");
  EXPECT_EQ(model_status(cache, gpt2).files[1].state, FileState::kUnverified);
  ModelStatus after = verify_model(cache, gpt2);
  EXPECT_EQ(after.files[1].state, FileState::kCorrupt);
  EXPECT_NE(after.files[1].detail.find(util::sha256_hex("tampered")), std::string::npos);
  EXPECT_EQ(after.files[0].state, FileState::kVerified);
  EXPECT_EQ(after.overall(), FileState::kCorrupt);
}

TEST(ModelStatus, AbsentModelHasEveryFileMissing) {
  TempDir dir;
  ModelStatus st = model_status(HubCache(dir.path()), *find_model("clip-vit-l-14"));
  EXPECT_FALSE(st.snapshot);
  EXPECT_FALSE(st.complete());
  EXPECT_EQ(st.files.size(), 5u);
  EXPECT_EQ(st.overall(), FileState::kMissing);
}

}  // namespace
}  // namespace vidscribe::models
