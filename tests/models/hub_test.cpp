#include "models/hub.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <thread>

#include "models/cache.h"
#include "models/fake_hub.h"
#include "models/git_sha1.h"
#include "models/scoped_env.h"
#include "support/support.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::models {
namespace {
namespace fs = std::filesystem;
using testing::FakeHub;
using testing::ScopedEnv;
using testing::TempDir;

const std::string kCommit = "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334";

// 300 KiB of pseudo-random bytes: big enough to cut, resume and stall in the middle.
std::string weights_bytes() {
  std::string s(300 * 1024, '\0');
  uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::map<std::string, std::string> gpt2_files() {
  return {{"config.json", "{\"n_layer\": 2}"},
          {"model.safetensors", weights_bytes()},
          {"vocab.json", "{\"a\": 0}"},
          {"merges.txt", "#version: 0.2\na b\n"}};
}

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::clear_hub_env(env_);
    hub_.add_repo("gpt2", kCommit, gpt2_files());
    options_.endpoint = hub_.endpoint();
    options_.cache_dir = cache_dir_.path();
    options_.backoff_s = 0.01;
    options_.max_attempts = 3;
    options_.http.connect_timeout_s = 2;
    options_.http.stall_timeout_s = 1;
  }

  const ModelInfo& gpt2() const { return *find_model("gpt2"); }
  HubCache cache() const { return HubCache(cache_dir_.path()); }
  std::string weights_sha() const { return util::sha256_hex(weights_bytes()); }

  // Every regular file and symlink under the cache, relative to it.
  std::vector<std::string> cache_entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(cache_dir_.path())) {
      if (e.is_symlink() || e.is_regular_file()) out.push_back(fs::relative(e.path(), cache_dir_.path()).string());
    }
    return out;
  }

  Error pull_error(const ModelInfo& model) {
    try {
      pull_model(model, options_);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "pull of " << model.name << " did not fail";
    return Error(ErrorCode::kInternal, "");
  }

  ScopedEnv env_;
  FakeHub hub_;
  TempDir cache_dir_;
  HubOptions options_;
};

TEST(HubUrls, RealHubUrlsComeFromTheSameCodeAsTheTestServers) {
  HubOptions defaults;
  EXPECT_EQ(defaults.endpoint, "https://huggingface.co");
  EXPECT_EQ(resolve_url(defaults.endpoint, "openai/clip-vit-large-patch14", "main", "model.safetensors"),
            "https://huggingface.co/openai/clip-vit-large-patch14/resolve/main/model.safetensors");
  EXPECT_EQ(resolve_url("https://hf-mirror.example/", "gpt2", "refs/pr/1", "a b/c.json"),
            "https://hf-mirror.example/gpt2/resolve/refs%2Fpr%2F1/a%20b/c.json");
}

TEST(HubOptionsFromEnv, ReadsEndpointTokenAndOfflineMode) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  TempDir home;
  env.set("HOME", home.path().string());
  HubOptions plain = hub_options_from_env();
  EXPECT_EQ(plain.endpoint, kDefaultEndpoint);
  EXPECT_EQ(plain.token, "");
  EXPECT_FALSE(plain.offline);

  env.set("HF_HOME", home.path().string());
  util::write_file_atomic(home / "token", "hf_fromfile\n");
  EXPECT_EQ(hub_options_from_env().token, "hf_fromfile");  // as `huggingface-cli login` leaves it
  env.set("HF_ENDPOINT", "https://mirror.example/");
  env.set("HF_TOKEN", "hf_secret");
  env.set("HF_HUB_OFFLINE", "1");
  HubOptions o = hub_options_from_env();
  EXPECT_EQ(o.endpoint, "https://mirror.example");
  EXPECT_EQ(o.token, "hf_secret");
  EXPECT_TRUE(o.offline);
  env.set("HF_HUB_OFFLINE", "0");
  EXPECT_FALSE(hub_options_from_env().offline);
}

TEST_F(HubTest, PullWritesTheHuggingFaceCacheLayout) {
  std::map<std::string, int64_t> progress_done, progress_total;
  options_.on_progress = [&](const std::string& file, int64_t done, int64_t total) {
    progress_done[file] = done;
    progress_total[file] = total;
  };
  PullResult r = pull_model(gpt2(), options_);
  // Progress of the download and then of the hash check, each ending at the file's size.
  int64_t size = static_cast<int64_t>(weights_bytes().size());
  EXPECT_EQ(progress_done["model.safetensors"], size);
  EXPECT_EQ(progress_total["model.safetensors"], size);
  EXPECT_EQ(progress_done["model.safetensors (checking)"], size);
  EXPECT_EQ(r.commit, kCommit);
  EXPECT_EQ(r.files_downloaded, 4);
  fs::path repo = cache_dir_ / "models--gpt2";
  EXPECT_EQ(r.snapshot, repo / "snapshots" / kCommit);
  EXPECT_EQ(testing::slurp(repo / "refs" / "main"), kCommit);
  // LFS files are named by sha256, small files by their git blob sha1, and linked relatively.
  EXPECT_EQ(fs::read_symlink(r.snapshot / "model.safetensors"), fs::path("../../blobs/" + weights_sha()));
  EXPECT_EQ(fs::read_symlink(r.snapshot / "config.json"),
            fs::path("../../blobs/" + git_blob_sha1("{\"n_layer\": 2}")));
  for (const auto& [name, content] : gpt2_files()) EXPECT_EQ(testing::slurp(r.snapshot / name), content) << name;
  EXPECT_EQ(resolve_model("gpt2", cache_dir_.path()), r.snapshot);
  EXPECT_EQ(model_status(cache(), gpt2()).overall(), FileState::kVerified);
  for (const std::string& e : cache_entries()) EXPECT_EQ(e.find(".incomplete"), std::string::npos) << e;
  // The paths asked for are the hub's: /<repo>/resolve/<revision>/<file>; after the first, pinned to the commit.
  auto log = hub_.requests();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0].method, "HEAD");
  EXPECT_EQ(hub_.endpoint() + log[0].path, resolve_url(hub_.endpoint(), "gpt2", "main", "config.json"));
  EXPECT_EQ(hub_.endpoint() + log.back().path, resolve_url(hub_.endpoint(), "gpt2", kCommit, "merges.txt"));
}

TEST_F(HubTest, OrganisationRepositoriesGetDoubleDashFolders) {
  auto files = gpt2_files();
  files["preprocessor_config.json"] = "{\"crop_size\": 224}";
  hub_.add_repo("openai/clip-vit-base-patch32", kCommit, files);
  PullResult r = pull_model(*find_model("clip-vit-b-32"), options_);
  EXPECT_EQ(r.snapshot, cache_dir_ / "models--openai--clip-vit-base-patch32" / "snapshots" / kCommit);
  EXPECT_EQ(testing::slurp(r.snapshot / "preprocessor_config.json"), "{\"crop_size\": 224}");
}

TEST_F(HubTest, RenamedRepositoryIsFollowedAndCachedUnderTheRequestedName) {
  // The real hub moved gpt2 to openai-community/gpt2 and answers the old name with a relative redirect.
  hub_.add_repo("openai-community/gpt2-medium", kCommit, gpt2_files());
  hub_.rename_repo("gpt2-medium", "openai-community/gpt2-medium");
  PullResult r = pull_model(*find_model("gpt2-medium"), options_);
  EXPECT_EQ(r.snapshot, cache_dir_ / "models--gpt2-medium" / "snapshots" / kCommit);
  for (const auto& [name, content] : gpt2_files()) EXPECT_EQ(testing::slurp(r.snapshot / name), content) << name;
}

TEST_F(HubTest, SecondPullDownloadsNothing) {
  pull_model(gpt2(), options_);
  int gets = hub_.content_gets("model.safetensors");
  PullResult again = pull_model(gpt2(), options_);
  EXPECT_EQ(again.files_downloaded, 0);
  EXPECT_EQ(again.bytes_downloaded, 0);
  EXPECT_EQ(hub_.content_gets("model.safetensors"), gets);
  EXPECT_EQ(hub_.content_gets("config.json"), 1);
}

TEST_F(HubTest, BlobsOfAnotherToolAreReusedAfterOneCheck) {
  fs::path blobs = cache_dir_ / "models--gpt2" / "blobs";
  fs::create_directories(blobs);
  util::write_file_atomic(blobs / weights_sha(), weights_bytes());
  PullResult r = pull_model(gpt2(), options_);
  EXPECT_EQ(hub_.content_gets("model.safetensors"), 0);
  EXPECT_EQ(r.files_downloaded, 3);
}

TEST_F(HubTest, DamagedBlobInTheCacheIsFetchedAgain) {
  fs::path blobs = cache_dir_ / "models--gpt2" / "blobs";
  fs::create_directories(blobs);
  std::string damaged = weights_bytes();
  damaged[1000] ^= 1;  // same size, wrong bytes
  util::write_file_atomic(blobs / weights_sha(), damaged);
  pull_model(gpt2(), options_);
  EXPECT_EQ(hub_.content_gets("model.safetensors"), 1);
  EXPECT_EQ(testing::slurp(blobs / weights_sha()), weights_bytes());
}

TEST_F(HubTest, ConnectionCutMidFileIsResumedWithRange) {
  hub_.cut_after("model.safetensors", 100000);
  PullResult r = pull_model(gpt2(), options_);
  EXPECT_EQ(testing::slurp(r.snapshot / "model.safetensors"), weights_bytes());
  std::vector<std::string> ranges;
  for (const auto& req : hub_.requests()) {
    if (req.content_of == "model.safetensors") ranges.push_back(req.range);
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=100000-"}));
  EXPECT_EQ(r.bytes_downloaded, static_cast<int64_t>(weights_bytes().size() + gpt2_files()["config.json"].size() +
                                                     gpt2_files()["vocab.json"].size() +
                                                     gpt2_files()["merges.txt"].size()));
}

TEST_F(HubTest, InterruptedPullLeavesOnlyAnIncompleteFileThatTheNextPullResumes) {
  options_.max_attempts = 1;
  hub_.cut_after("model.safetensors", 100000);
  Error e = pull_error(gpt2());
  EXPECT_EQ(e.code(), ErrorCode::kNetwork);
  EXPECT_NE(std::string(e.what()).find("run the same command again"), std::string::npos) << e.what();
  fs::path blob = cache().blob_path("gpt2", weights_sha());
  fs::path partial = blob;
  partial += ".incomplete";
  EXPECT_FALSE(fs::exists(blob));
  EXPECT_EQ(fs::file_size(partial), 100000u);
  EXPECT_FALSE(fs::exists(cache().snapshot_dir("gpt2", kCommit) / "model.safetensors"));
  EXPECT_FALSE(cache().read_ref("gpt2", "main"));
  EXPECT_THROW(resolve_model("gpt2", cache_dir_.path()), Error);

  PullResult r = pull_model(gpt2(), options_);
  EXPECT_EQ(hub_.requests().back().range, "");  // merges.txt, after the weights
  // config.json came in the first run; the rest of the weights, vocab.json and merges.txt in this one.
  EXPECT_EQ(r.bytes_downloaded, static_cast<int64_t>(weights_bytes().size() - 100000 +
                                                     gpt2_files()["vocab.json"].size() +
                                                     gpt2_files()["merges.txt"].size()));
  EXPECT_EQ(r.files_downloaded, 3);
  EXPECT_EQ(testing::slurp(resolve_model("gpt2", cache_dir_.path()) / "model.safetensors"), weights_bytes());
  EXPECT_FALSE(fs::exists(partial));
}

TEST_F(HubTest, WrongHashFailsAndLeavesNothingOfTheFile) {
  hub_.corrupt("model.safetensors");
  Error e = pull_error(gpt2());
  EXPECT_EQ(e.code(), ErrorCode::kNetwork);
  EXPECT_NE(std::string(e.what()).find("integrity"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find(weights_sha()), std::string::npos) << e.what();
  for (const std::string& entry : cache_entries()) {
    EXPECT_EQ(entry.find(weights_sha()), std::string::npos) << entry;
    EXPECT_EQ(entry.find("model.safetensors"), std::string::npos) << entry;
    EXPECT_EQ(entry.find("refs"), std::string::npos) << entry;
  }
  EXPECT_THROW(resolve_model("gpt2", cache_dir_.path()), Error);
}

TEST_F(HubTest, MissingRepositoryAndMissingFileAre404sThatSaySo) {
  Error repo = pull_error(*find_model("gpt2-large"));
  EXPECT_NE(std::string(repo.what()).find("repository gpt2-large not found"), std::string::npos) << repo.what();

  auto files = gpt2_files();
  files.erase("merges.txt");
  hub_.add_repo("gpt2-medium", kCommit, files);
  Error file = pull_error(*find_model("gpt2-medium"));
  EXPECT_NE(std::string(file.what()).find("404"), std::string::npos) << file.what();
  EXPECT_NE(std::string(file.what()).find("merges.txt"), std::string::npos) << file.what();
  EXPECT_FALSE(cache().read_ref("gpt2-medium", "main"));
}

TEST_F(HubTest, GatedRepositoryNeedsTheToken) {
  hub_.require_token("hf_right");
  Error e = pull_error(gpt2());
  EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("set HF_TOKEN"), std::string::npos) << e.what();

  options_.token = "hf_wrong";
  Error wrong = pull_error(gpt2());
  EXPECT_NE(std::string(wrong.what()).find("was refused"), std::string::npos) << wrong.what();

  options_.token = "hf_right";
  pull_model(gpt2(), options_);
  EXPECT_EQ(hub_.requests().back().authorization, "Bearer hf_right");
}

TEST_F(HubTest, TokenIsNotSentToAnotherHostTheDownloadIsRedirectedTo) {
  // The hub is addressed as localhost; it redirects LFS downloads to 127.0.0.1, a different origin (a CDN).
  options_.endpoint = "http://localhost:" + hub_.endpoint().substr(hub_.endpoint().rfind(':') + 1);
  options_.token = "hf_secret";
  pull_model(gpt2(), options_);
  for (const auto& req : hub_.requests()) {
    bool cdn = req.path.rfind("/cdn/", 0) == 0;
    EXPECT_EQ(req.authorization, cdn ? "" : "Bearer hf_secret") << req.method << " " << req.path;
  }
}

TEST_F(HubTest, ForbiddenSaysToAcceptTheTerms) {
  hub_.fail_all(403, "GatedRepo");
  Error e = pull_error(gpt2());
  EXPECT_NE(std::string(e.what()).find("403"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("accept its terms"), std::string::npos) << e.what();
}

TEST_F(HubTest, TransientServerErrorsAreRetriedThenReported) {
  hub_.fail_all(503);
  Error e = pull_error(gpt2());
  EXPECT_NE(std::string(e.what()).find("HTTP 503"), std::string::npos) << e.what();
  EXPECT_EQ(hub_.requests().size(), 3u);  // max_attempts
}

TEST_F(HubTest, NoServerMeansAClearNoNetworkMessage) {
  {
    FakeHub gone;
    options_.endpoint = gone.endpoint();
  }  // the port is closed now: connections are refused
  options_.max_attempts = 2;
  Error e = pull_error(gpt2());
  EXPECT_EQ(e.code(), ErrorCode::kNetwork);
  EXPECT_NE(std::string(e.what()).find("cannot reach " + options_.endpoint), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("HF_HUB_OFFLINE=1"), std::string::npos) << e.what();
}

TEST_F(HubTest, StalledDownloadShowsProgressAndGivesUpAfterTheTimeout) {
  hub_.stall_after("model.safetensors", 50000);
  options_.max_attempts = 2;
  int64_t last_done = 0, total = -1;
  options_.on_progress = [&](const std::string& file, int64_t done, int64_t size) {
    if (file != "model.safetensors") return;
    last_done = done;
    total = size;
  };
  auto start = std::chrono::steady_clock::now();
  Error e = pull_error(gpt2());
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed_s, 20.0);  // a hang guard, not a speed claim: two 1 s stall timeouts
  EXPECT_EQ(e.code(), ErrorCode::kNetwork);
  EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("2 tries"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("stalled"), std::string::npos) << e.what();
  EXPECT_EQ(last_done, 50000);
  EXPECT_EQ(total, static_cast<int64_t>(weights_bytes().size()));
  EXPECT_EQ(hub_.requests().back().range, "bytes=50000-");  // the retry resumed
}

TEST_F(HubTest, UnwritableCacheIsAnIoError) {
  util::write_file_atomic(cache_dir_ / "file", "not a folder");
  options_.cache_dir = cache_dir_ / "file";
  Error e = pull_error(gpt2());
  EXPECT_EQ(e.code(), ErrorCode::kIo) << e.what();
}

TEST_F(HubTest, OfflineModeUsesOnlyTheCache) {
  options_.offline = true;
  Error e = pull_error(gpt2());
  EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos) << e.what();
  EXPECT_TRUE(hub_.requests().empty());

  options_.offline = false;
  PullResult online = pull_model(gpt2(), options_);
  size_t asked = hub_.requests().size();
  options_.offline = true;
  PullResult offline = pull_model(gpt2(), options_);
  EXPECT_TRUE(offline.offline);
  EXPECT_EQ(offline.snapshot, online.snapshot);
  EXPECT_EQ(hub_.requests().size(), asked);
}

TEST(RetryAfter, ReadsSecondsAndHttpDates) {
  HttpResponse r;
  EXPECT_EQ(retry_after_s(r), -1);  // absent
  r.headers["retry-after"] = "120";
  EXPECT_EQ(retry_after_s(r), 120);
  r.headers["retry-after"] = "soon";
  EXPECT_EQ(retry_after_s(r), -1);
  r.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";  // past
  EXPECT_EQ(retry_after_s(r), 0);
  const std::time_t later = std::time(nullptr) + 100;
  std::tm tm{};
  gmtime_r(&later, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  r.headers["retry-after"] = date;
  EXPECT_GT(retry_after_s(r), 95);
  EXPECT_LE(retry_after_s(r), 100);
}

TEST_F(HubTest, RateLimitedRequestWaitsAsLongAsTheServerAsks) {
  hub_.fail_next(429, 1, "1");  // backoff_s is 0.01 s here: only Retry-After makes it wait a second
  auto start = std::chrono::steady_clock::now();
  PullResult r = pull_model(gpt2(), options_);
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(elapsed_s, 0.99);
  EXPECT_EQ(testing::slurp(r.snapshot / "model.safetensors"), weights_bytes());
  auto log = hub_.requests();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0].path, log[1].path);  // the same request again
}

TEST_F(HubTest, RetryAfterBeyondTheLimitIsCappedAndReported) {
  hub_.fail_next(503, 100, "3600");
  options_.max_retry_after_s = 0.05;
  auto start = std::chrono::steady_clock::now();
  Error e = pull_error(gpt2());
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed_s, 20.0);  // a hang guard, not a speed claim
  EXPECT_EQ(hub_.requests().size(), 3u);  // max_attempts
  EXPECT_NE(std::string(e.what()).find("HTTP 503"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("asks to wait 1h00m"), std::string::npos) << e.what();
}

// Another process downloading the weights into the same cache: it holds the lock on the .incomplete file with
// `held` bytes in it until the pull under test says it waits for it, then does `finish` and lets go.
class OtherDownload {
 public:
  OtherDownload(const fs::path& partial, const std::string& held, std::function<void()> finish) {
    fs::create_directories(partial.parent_path());
    fd_ = ::open(partial.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::flock(fd_, LOCK_EX | LOCK_NB), 0);
    EXPECT_EQ(::write(fd_, held.data(), held.size()), static_cast<ssize_t>(held.size()));
    thread_ = std::thread([this, finish = std::move(finish)] {
      for (int i = 0; i < 1000 && !seen_waiting; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      finish();
      ::close(fd_);  // lets go of the lock
    });
  }
  ~OtherDownload() { thread_.join(); }

  std::atomic<bool> seen_waiting{false};

 private:
  int fd_ = -1;
  std::thread thread_;
};

class HubConcurrencyTest : public HubTest {
 protected:
  fs::path blob() const { return cache().blob_path("gpt2", weights_sha()); }
  fs::path partial() const { return fs::path(blob().string() + ".incomplete"); }
  // Reports waiting for the other process to it.
  void watch(OtherDownload& other) {
    options_.on_progress = [&other](const std::string& file, int64_t, int64_t) {
      if (file == "model.safetensors (another process)") other.seen_waiting = true;
    };
  }
};

TEST_F(HubConcurrencyTest, SecondPullWaitsForTheFirstAndUsesItsBlob) {
  OtherDownload other(partial(), weights_bytes(), [&] { fs::rename(partial(), blob()); });
  watch(other);
  PullResult r = pull_model(gpt2(), options_);
  EXPECT_TRUE(other.seen_waiting);
  EXPECT_EQ(hub_.content_gets("model.safetensors"), 0);
  EXPECT_EQ(r.files_downloaded, 3);
  EXPECT_EQ(testing::slurp(r.snapshot / "model.safetensors"), weights_bytes());
}

TEST_F(HubConcurrencyTest, SecondPullResumesWhatAFailedFirstLeft) {
  OtherDownload other(partial(), weights_bytes().substr(0, 100000), [] {});
  watch(other);
  PullResult r = pull_model(gpt2(), options_);
  EXPECT_TRUE(other.seen_waiting);
  EXPECT_EQ(hub_.requests().back().range, "");  // merges.txt
  std::vector<std::string> ranges;
  for (const auto& req : hub_.requests()) {
    if (req.content_of == "model.safetensors") ranges.push_back(req.range);
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=100000-"}));
  EXPECT_EQ(testing::slurp(r.snapshot / "model.safetensors"), weights_bytes());
}

TEST_F(HubConcurrencyTest, SecondPullStartsAfreshWhenTheFirstDeletedItsFile) {
  // As after a failed integrity check: the file waited on is gone, a new one must be opened.
  std::string damaged = weights_bytes();
  damaged[5] ^= 1;
  OtherDownload other(partial(), damaged, [&] { fs::remove(partial()); });
  watch(other);
  PullResult r = pull_model(gpt2(), options_);
  EXPECT_TRUE(other.seen_waiting);
  EXPECT_EQ(hub_.content_gets("model.safetensors"), 1);
  EXPECT_EQ(testing::slurp(r.snapshot / "model.safetensors"), weights_bytes());
  EXPECT_FALSE(fs::exists(partial()));
}

}  // namespace
}  // namespace vidscribe::models
