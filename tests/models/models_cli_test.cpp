// The `vidscribe models` commands end to end, against the in-process test hub.
#include <gtest/gtest.h>

#include "models/cache.h"
#include "models/fake_hub.h"
#include "models/scoped_env.h"
#include "support/support.h"
#include "util/fs.h"
#include "util/sha256.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

const std::string kCommit = "ffeeddccbbaa99887766554433221100ffeeddcc";

class ModelsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, std::string> gpt2 = {{"config.json", "{}"},
                                               {"model.safetensors", std::string(200000, 'w')},
                                               {"vocab.json", "{\"v\": 1}"},
                                               {"merges.txt", "#version: 0.2\n"}};
    auto clip = gpt2;
    clip["model.safetensors"] = std::string(150000, 'c');
    clip["preprocessor_config.json"] = "{\"p\": 2}";
    hub_.add_repo("gpt2", kCommit, gpt2);
    hub_.add_repo("openai/clip-vit-base-patch32", kCommit, clip);
  }

  // Runs vidscribe (which inherits this environment) against the test hub and the temporary cache.
  RunResult vidscribe(const std::string& args) {
    clear_hub_env(env_);
    env_.set("HF_ENDPOINT", hub_.endpoint());
    return run_vidscribe(args + " --cache-dir " + shell_quote(cache_.path().string()));
  }

  ScopedEnv env_;
  FakeHub hub_;
  TempDir cache_;
};

TEST_F(ModelsCli, PathOfAMissingModelSaysWhichPullToRun) {
  RunResult r = vidscribe("models path gpt2");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("run: vidscribe models pull gpt2"), std::string::npos) << r.err;
}

TEST_F(ModelsCli, PullPresetThenPathListAndVerify) {
  RunResult pull = vidscribe("models pull fast");
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_NE(pull.out.find("clip-vit-b-32: downloaded 5 files"), std::string::npos) << pull.out;
  EXPECT_NE(pull.out.find("gpt2: downloaded 4 files"), std::string::npos) << pull.out;

  RunResult path = vidscribe("models path gpt2");
  ASSERT_EQ(path.exit_code, 0) << path.err;
  fs::path snapshot = cache_ / "models--gpt2" / "snapshots" / kCommit;
  EXPECT_EQ(path.out, snapshot.string() + "\n");
  EXPECT_EQ(slurp(snapshot / "model.safetensors"), std::string(200000, 'w'));

  RunResult list = vidscribe("models list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto line_of = [&list](const std::string& name) {
    size_t at = list.out.find("\n" + name + " ");
    return at == std::string::npos ? std::string() : list.out.substr(at + 1, list.out.find('\n', at + 1) - at - 1);
  };
  EXPECT_NE(line_of("gpt2").find("verified"), std::string::npos) << list.out;
  EXPECT_NE(line_of("gpt2").find("195.3 KiB"), std::string::npos) << list.out;
  EXPECT_NE(line_of("clip-vit-l-14").find("absent"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("paper = clip-vit-l-14 + gpt2-medium (default)"), std::string::npos) << list.out;

  RunResult again = vidscribe("models pull gpt2");
  EXPECT_NE(again.out.find("gpt2: already up to date"), std::string::npos) << again.out;

  RunResult verify = vidscribe("models verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("gpt2: verified"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("clip-vit-b-32: verified"), std::string::npos) << verify.out;

  // Damage the GPT-2 weights in place: verify names the file and the pull that repairs it.
  fs::path blob = cache_ / "models--gpt2" / "blobs" / util::sha256_hex(std::string(200000, 'w'));
  util::write_file_atomic(blob, std::string(200000, 'x'));
  RunResult bad = vidscribe("models verify gpt2");
  EXPECT_EQ(bad.exit_code, 6) << bad.err;
  EXPECT_NE(bad.out.find("model.safetensors: CORRUPT"), std::string::npos) << bad.out;
  EXPECT_NE(bad.err.find("run: vidscribe models pull gpt2"), std::string::npos) << bad.err;
  RunResult repair = vidscribe("models pull gpt2");
  EXPECT_EQ(repair.exit_code, 0) << repair.err;
  EXPECT_EQ(slurp(snapshot / "model.safetensors"), std::string(200000, 'w'));
}

TEST_F(ModelsCli, OfflinePullOfAMissingModelFailsWithoutNetwork) {
  clear_hub_env(env_);
  env_.set("HF_HUB_OFFLINE", "1");
  env_.set("HF_ENDPOINT", hub_.endpoint());
  RunResult r = run_vidscribe("models pull gpt2 --cache-dir " + shell_quote(cache_.path().string()));
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("offline"), std::string::npos) << r.err;
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(ModelsCli, UnknownNameIsAUsageError) {
  RunResult r = vidscribe("models pull gpt-5");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("gpt-5"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vidscribe::testing
