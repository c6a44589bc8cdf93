// The server: Range headers parsed as RFC 9110 says; then a library made here (two videos, captioned on the
// tiny models) served on a free loopback port and asked every endpoint with cpp-httplib's client: JSON,
// WebVTT, search as the command line gives it, media ranges (first bytes, middle, open end, suffix, past the
// end, malformed, several, 50 at once), unknown ids and routes, path tricks, oversized URLs, the token.
#include <gtest/gtest.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "library/db.h"
#include "media/image.h"
#include "media/sampler.h"
#include "server/http_range.h"
#include "server/server.h"
#include "support/support.h"
#include "vidscribe/error.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;
using server::ByteRange;
using server::parse_range;

TEST(HttpRange, ParsesWhatRfc9110Allows) {
  const auto part = [](const std::string& h, uint64_t size, uint64_t a, uint64_t b) {
    const ByteRange r = parse_range(h, size);
    EXPECT_EQ(r.kind, ByteRange::Kind::kPart) << h;
    EXPECT_EQ(r.first, a) << h;
    EXPECT_EQ(r.last, b) << h;
  };
  const auto unsat = [](const std::string& h, uint64_t size) {
    EXPECT_EQ(parse_range(h, size).kind, ByteRange::Kind::kUnsatisfiable) << h;
  };
  EXPECT_EQ(parse_range("", 100).kind, ByteRange::Kind::kWhole);
  EXPECT_EQ(parse_range("items=0-5", 100).kind, ByteRange::Kind::kWhole);  // another unit: ignored
  part("bytes=0-9", 100, 0, 9);
  part("bytes=10-", 100, 10, 99);
  part("bytes=-10", 100, 90, 99);
  part("bytes=-1000", 100, 0, 99);
  part("bytes=90-1000", 100, 90, 99);  // a last byte past the end is clamped
  part(" bytes=5-6 ", 100, 5, 6);
  part("bytes=0-1, 50-60", 100, 0, 60);  // coalesced into one part
  part("bytes=200-300, 5-6", 100, 5, 6);  // the satisfiable one
  unsat("bytes=100-", 100);
  unsat("bytes=100-200", 100);
  unsat("bytes=5-2", 100);
  unsat("bytes=abc", 100);
  unsat("bytes=-0", 100);
  unsat("bytes=-", 100);
  unsat("bytes=1-2-3", 100);
  unsat("bytes=99999999999999999999-", 100);
  unsat("bytes=+1-2", 100);
  unsat("bytes=0-0", 0);
  std::string many = "bytes=";
  for (int i = 0; i < 40; ++i) many += std::to_string(i) + "-" + std::to_string(i) + ",";
  unsat(many, 100);
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(golden_dir() / "tiny-clip")) return;
    dir_ = new TempDir();
    fs::create_directories(*dir_ / "v");
    for (int i = 0; i < 2; ++i) {
      const RunResult r = run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=64x48:rate=5 -t " + std::to_string(3 + i) +
                                      " -pix_fmt yuv420p " + shell_quote((*dir_ / ("v/clip" + std::to_string(i) + ".mp4")).string()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    const RunResult r = run_vidscribe("library add -r " + shell_quote((*dir_ / "v").string()) + lib_args() + models() + " --caption");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string lib_args() { return " --library " + shell_quote((*dir_ / "lib.db").string()); }
  static std::string models() {
    return " --clip " + shell_quote((golden_dir() / "tiny-clip").string()) + " --lm " +
           shell_quote((golden_dir() / "tiny-gpt2").string()) + " --max-tokens 4 --candidates 16 --steps 30 --no-cache";
  }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "no golden models at " << golden_dir();
    start({});
  }
  void TearDown() override { stop(); }

  void start(const std::string& token, const std::function<void(server::ServerParams&)>& tweak = {}) {
    server::ServerParams p;
    p.library = *dir_ / "lib.db";
    p.port = 0;
    p.token = token;
    p.models.threads = 1;
    if (tweak) tweak(p);
    server_ = std::make_unique<server::Server>(p);
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
    for (int i = 0; i < 100 && !client_->Get("/api/health"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  void stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  nlohmann::json get_json(const std::string& path, int status = 200) {
    auto res = client_->Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_NE(res->get_header_value("Content-Type").find("application/json"), std::string::npos) << path;
    nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << res->body;
    if (status >= 400) {
      EXPECT_TRUE(j.contains("error") && j["error"].contains("code") && j["error"].contains("message")) << res->body;
    }
    return j;
  }
  std::string file_of(int64_t id) {
    return get_json("/api/videos/" + std::to_string(id))["path"].get<std::string>();
  }

  static TempDir* dir_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};
TempDir* ServerTest::dir_ = nullptr;

TEST_F(ServerTest, HealthVideosAndOneVideo) {
  nlohmann::json j = get_json("/api/health");
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["videos"], 2);
  j = get_json("/api/videos");
  EXPECT_EQ(j["total"], 2);
  ASSERT_EQ(j["videos"].size(), 2u);
  EXPECT_LT(j["videos"][0]["id"].get<int>(), j["videos"][1]["id"].get<int>());
  j = get_json("/api/videos?sort=duration&order=desc&limit=1");
  ASSERT_EQ(j["videos"].size(), 1u);
  EXPECT_NE(j["videos"][0]["path"].get<std::string>().find("clip1.mp4"), std::string::npos);  // the longer one
  j = get_json("/api/videos?offset=1&limit=1");
  EXPECT_EQ(j["videos"].size(), 1u);
  EXPECT_EQ(j["total"], 2);
  j = get_json("/api/videos?q=CLIP0");
  EXPECT_EQ(j["total"], 1);
  j = get_json("/api/videos?q=nothing-like-this");
  EXPECT_EQ(j["total"], 0);
  get_json("/api/videos?limit=0", 400);
  get_json("/api/videos?limit=abc", 400);
  get_json("/api/videos?sort=size;drop", 400);
  const int64_t id = get_json("/api/videos")["videos"][0]["id"].get<int64_t>();
  j = get_json("/api/videos/" + std::to_string(id));
  EXPECT_EQ(j["id"], id);
  EXPECT_FALSE(j["latest_events"].empty());
  EXPECT_EQ(j["caption_runs"].size(), 1u);
  get_json("/api/videos/999999", 404);
  get_json("/api/videos/99999999999999999999999", 404);
  get_json("/api/videos/abc", 404);
  get_json("/api/nothing", 404);
  get_json("/nothing-here", 404);
}

TEST_F(ServerTest, CaptionsAndChaptersAsWebVtt) {
  const int64_t id = get_json("/api/videos")["videos"][0]["id"].get<int64_t>();
  const size_t events = get_json("/api/videos/" + std::to_string(id))["latest_events"].size();
  for (const char* track : {"captions", "chapters"}) {
    auto res = client_->Get(("/api/videos/" + std::to_string(id) + "/" + track + ".vtt").c_str());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->get_header_value("Content-Type").find("text/vtt"), std::string::npos);
    EXPECT_EQ(res->body.rfind("WEBVTT\n", 0), 0u) << res->body;
    size_t cues = 0;
    for (size_t p = res->body.find(" --> "); p != std::string::npos; p = res->body.find(" --> ", p + 1)) ++cues;
    if (std::string(track) == "captions") EXPECT_EQ(cues, events) << res->body;
    else EXPECT_GE(cues, 1u) << res->body;
  }
  get_json("/api/videos/424242/captions.vtt", 404);
}

TEST_F(ServerTest, SearchGivesWhatTheCommandLineGives) {
  for (const std::string mode : {"both", "frames", "captions"}) {
    const nlohmann::json j = get_json("/api/search?q=a%20red%20ball&top=5&mode=" + mode);
    const RunResult r = run_vidscribe("--threads 1 search 'a red ball' --json --top 5 --mode " + mode + lib_args());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(j, nlohmann::json::parse(r.out)) << mode;
  }
  get_json("/api/search", 400);
  get_json("/api/search?q=", 400);
  get_json("/api/search?q=x&mode=sideways", 400);
  get_json("/api/search?q=x&top=0", 400);
  get_json("/api/search?q=%ff%fe", 400);  // not UTF-8
}

TEST_F(ServerTest, MediaAnswersRangesLikeAFileServerShould) {
  const int64_t id = get_json("/api/videos")["videos"][1]["id"].get<int64_t>();
  const std::string bytes = slurp(file_of(id));
  const uint64_t size = bytes.size();
  ASSERT_GT(size, 1000u);
  const std::string url = "/media/" + std::to_string(id);
  auto whole = client_->Get(url.c_str());
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, bytes);
  EXPECT_EQ(whole->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp4");
  const auto ranged = [&](const std::string& range, int status, uint64_t a, uint64_t b) {
    auto res = client_->Get(url.c_str(), {{"Range", range}});
    ASSERT_TRUE(res) << range;
    EXPECT_EQ(res->status, status) << range;
    if (status == 206) {
      EXPECT_EQ(res->body, bytes.substr(a, b - a + 1)) << range;
      EXPECT_EQ(res->get_header_value("Content-Range"),
                "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(size)) << range;
      EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(b - a + 1)) << range;
    } else {
      EXPECT_EQ(res->get_header_value("Content-Range"), "bytes */" + std::to_string(size)) << range;
    }
  };
  ranged("bytes=0-99", 206, 0, 99);                                  // first bytes
  ranged("bytes=500-700", 206, 500, 700);                            // middle
  ranged("bytes=" + std::to_string(size - 10) + "-", 206, size - 10, size - 1);  // open end
  ranged("bytes=-64", 206, size - 64, size - 1);                     // suffix
  ranged("bytes=" + std::to_string(size - 5) + "-" + std::to_string(size + 5000), 206, size - 5, size - 1);  // clamped
  ranged("bytes=" + std::to_string(size) + "-", 416, 0, 0);         // past the end
  ranged("bytes=" + std::to_string(size + 100) + "-" + std::to_string(size + 200), 416, 0, 0);
  ranged("bytes=9-3", 416, 0, 0);
  ranged("bytes=nonsense", 416, 0, 0);
  ranged("bytes=0-1,10-20", 206, 0, 20);                             // several: one part covering them
  // Unknown ids, and paths that try to reach the file system.
  for (const char* bad : {"/media/999999", "/media/abc", "/media/..%2f..%2fetc%2fpasswd", "/media/1/../../etc/passwd",
                          "/media/%2e%2e/%2e%2e/etc/passwd", "/media//etc/passwd"}) {
    auto res = client_->Get(bad);
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 404) << bad;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << bad;
  }
}

TEST_F(ServerTest, FiftyConcurrentRangeRequests) {
  const int64_t id = get_json("/api/videos")["videos"][0]["id"].get<int64_t>();
  const std::string bytes = slurp(file_of(id));
  const int port = server_->port();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t));
      const uint64_t a = rng() % bytes.size();
      const uint64_t b = std::min<uint64_t>(bytes.size() - 1, a + rng() % 4000);
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(30, 0);
      auto res = c.Get(("/media/" + std::to_string(id)).c_str(),
                       {{"Range", "bytes=" + std::to_string(a) + "-" + std::to_string(b)}});
      if (res && res->status == 206 && res->body == bytes.substr(a, b - a + 1)) ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 50);
}

TEST_F(ServerTest, OversizedRequestsAndAMissingFile) {
  auto res = client_->Get(("/api/search?q=" + std::string(20000, 'a')).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 414);
  EXPECT_NE(res->body.find("\"error\""), std::string::npos) << res->body;
  // A file deleted after it was added: 404 with a message, the rest of the API unchanged.
  const int64_t id = get_json("/api/videos")["videos"][0]["id"].get<int64_t>();
  const fs::path path = file_of(id);
  const fs::path aside = path.string() + ".aside";
  fs::rename(path, aside);
  const nlohmann::json j = get_json("/media/" + std::to_string(id), 404);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("is gone"), std::string::npos) << j;
  EXPECT_TRUE(get_json("/api/videos/" + std::to_string(id))["missing"].get<bool>());
  fs::rename(aside, path);
}

TEST_F(ServerTest, TheTokenIsRequiredOnceGiven) {
  stop();
  start("s3cret");
  get_json("/api/health", 401);
  auto res = client_->Get("/api/health", {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  res = client_->Get("/api/health", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client_->Get("/api/health?token=s3cret");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string cookie = res->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("vidscribe_token=s3cret"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  res = client_->Get("/api/videos", {{"Cookie", "other=1; vidscribe_token=s3cret"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client_->Get("/media/1", {{"Cookie", "vidscribe_token=s3cre"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST_F(ServerTest, APortInUseAndAMissingLibraryAreOneClearError) {
  server::ServerParams p;
  p.library = *dir_ / "lib.db";
  p.port = server_->port();
  try {
    server::Server second(p);
    ADD_FAILURE() << "two servers on one port";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(p.port)), std::string::npos) << e.what();
  }
  p.port = 0;
  p.library = *dir_ / "none.db";
  try {
    server::Server none(p);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  // Through the program: one line, exit 4.
  const RunResult r = run_vidscribe("serve --port " + std::to_string(server_->port()) + lib_args());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
}

TEST_F(ServerTest, ThumbnailsAreTheFrameNearestTheTime) {
  const nlohmann::json v = get_json("/api/videos")["videos"][1];
  const int64_t id = v["id"].get<int64_t>();
  const std::string path = v["path"].get<std::string>();
  for (const double t : {0.0, 1.4, 2.6}) {
    std::ostringstream url;
    url << "/thumbs/" << id << "/" << t << ".jpg";
    auto res = client_->Get(url.str().c_str());
    ASSERT_TRUE(res) << url.str();
    ASSERT_EQ(res->status, 200) << url.str() << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
    ASSERT_GT(res->body.size(), 4u);
    EXPECT_EQ(res->body.substr(0, 2), "\xFF\xD8");  // a JPEG's start-of-image marker
    // The picture is the decoded frame at t, up to JPEG's loss; other frames of testsrc2 differ far more.
    const media::RgbImage got = media::read_image(media::Source::memory(res->body, "thumb.jpg"));
    media::SamplingOptions at;
    at.times = {t};
    const std::vector<media::Frame> frames = media::sample_frames(path, at);
    ASSERT_EQ(frames.size(), 1u);
    at.times = {t < 1.5 ? t + 1.4 : t - 1.4};
    const std::vector<media::Frame> other = media::sample_frames(path, at);
    ASSERT_EQ(other.size(), 1u);
    const auto distance = [&](const media::RgbImage& want) {
      EXPECT_EQ(got.width, want.width);
      EXPECT_EQ(got.height, want.height);
      if (got.pixels.size() != want.pixels.size()) return 1e9;
      double diff = 0;
      for (size_t i = 0; i < want.pixels.size(); ++i) diff += std::abs(int(got.pixels[i]) - int(want.pixels[i]));
      return diff / static_cast<double>(want.pixels.size());
    };
    const double near = distance(frames[0].image), far = distance(other[0].image);
    EXPECT_LT(near, 8.0) << url.str();
    EXPECT_LT(2 * near, far) << url.str();
    // Asked again: the same bytes, from the cache.
    auto again = client_->Get(url.str().c_str());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body, res->body);
  }
  auto past = client_->Get(("/thumbs/" + std::to_string(id) + "/9999.jpg").c_str());  // clamped to the last frame
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 200);
  get_json("/thumbs/999999/1.jpg", 404);
  get_json("/thumbs/" + std::to_string(id) + "/abc.jpg", 404);
  get_json("/thumbs/" + std::to_string(id) + "/-1.jpg", 404);
  get_json("/thumbs/" + std::to_string(id) + "/1.5.png", 404);
}

TEST_F(ServerTest, TheViewerIsServedByTheProgramItself) {
  for (const char* page : {"/", "/video/1", "/search?q=ball"}) {
    auto res = client_->Get(page);
    ASSERT_TRUE(res) << page;
    EXPECT_EQ(res->status, 200) << page;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << page;
    EXPECT_NE(res->body.find("<script src=\"/app.js\""), std::string::npos) << page;
    // The page may load its own files only, and may not be framed by another site.
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  for (const auto& [file, type] : {std::pair<const char*, const char*>{"/app.js", "text/javascript"}, {"/app.css", "text/css"}}) {
    auto res = client_->Get(file);
    ASSERT_TRUE(res) << file;
    EXPECT_EQ(res->status, 200) << file;
    EXPECT_EQ(res->get_header_value("Content-Type").rfind(type, 0), 0u) << file;
    EXPECT_GT(res->body.size(), 100u) << file;
  }
  get_json("/video/abc", 404);
  get_json("/index.html/../../etc/passwd", 404);
}

TEST_F(ServerTest, RequestsFromOtherSitesAreRefused) {
  // A page of another site that resolves its name to 127.0.0.1 (DNS rebinding) reaches no data.
  auto res = client_->Get("/api/videos", {{"Host", "evil.example:8080"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  res = client_->Get("/api/videos", {{"Host", "localhost:" + std::to_string(server_->port())}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // Its form cannot start a job either, and a read-only server starts none.
  res = client_->Post("/api/videos/1/caption", {{"Origin", "http://evil.example"}}, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  res = client_->Post("/api/videos/1/caption", "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->body.find("--allow-captioning"), std::string::npos) << res->body;
  get_json("/api/jobs/1", 404);
}

TEST_F(ServerTest, CaptioningJobsRunWhileTheServerAnswers) {
  stop();
  start("", [](server::ServerParams& p) {
    p.allow_captioning = true;
    p.models.clip = (golden_dir() / "tiny-clip").string();
    p.models.lm = (golden_dir() / "tiny-gpt2").string();
    p.captioning.use_frame_cache = false;
    // Other options than the library's runs (steps 30), so that the job captions anew.
    for (const auto& [name, value] : {std::pair<const char*, const char*>{"max-tokens", "4"}, {"candidates", "16"}, {"steps", "12"}}) {
      set_option(p.captioning.options, name, value);
    }
  });
  const int64_t id = get_json("/api/videos")["videos"][0]["id"].get<int64_t>();
  const size_t runs_before = get_json("/api/videos/" + std::to_string(id))["caption_runs"].size();
  const std::string url = "/api/videos/" + std::to_string(id) + "/caption";
  auto res = client_->Post(url.c_str(), "", "text/plain");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  const nlohmann::json job = nlohmann::json::parse(res->body);
  EXPECT_EQ(job["video_id"], id);
  // Asked again while it is queued or running: the same job.
  res = client_->Post(url.c_str(), "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(nlohmann::json::parse(res->body)["id"], job["id"]);
  get_json("/api/videos/999999/caption", 404);
  const std::string job_url = "/api/jobs/" + std::to_string(job["id"].get<int64_t>());
  std::set<std::string> states;
  nlohmann::json last;
  for (int i = 0; i < 1200; ++i) {
    last = get_json(job_url);
    states.insert(last["state"].get<std::string>());
    if (last["state"] != "queued" && last["state"] != "running") break;
    EXPECT_EQ(get_json("/api/health")["status"], "ok");  // the server goes on answering
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(last["state"], "done") << last;
  EXPECT_EQ(last["message"], "captioned") << last;
  EXPECT_FALSE(last["finished"].get<std::string>().empty());
  EXPECT_EQ(get_json("/api/videos/" + std::to_string(id))["caption_runs"].size(), runs_before + 1);
  // Once more: nothing new to do.
  res = client_->Post(url.c_str(), "", "text/plain");
  ASSERT_TRUE(res);
  const std::string again = "/api/jobs/" + std::to_string(nlohmann::json::parse(res->body)["id"].get<int64_t>());
  for (int i = 0; i < 600 && (last = get_json(again))["state"] != "done" && last["state"] != "failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(last["message"], "already captioned with these models and options") << last;
  // A job whose file is gone fails with the reason.
  const fs::path path = file_of(id);
  const fs::path aside = path.string() + ".aside";
  fs::rename(path, aside);
  res = client_->Post(url.c_str(), "", "text/plain");
  ASSERT_TRUE(res);
  const std::string gone = "/api/jobs/" + std::to_string(nlohmann::json::parse(res->body)["id"].get<int64_t>());
  for (int i = 0; i < 600 && (last = get_json(gone))["state"] != "done" && last["state"] != "failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fs::rename(aside, path);
  EXPECT_EQ(last["state"], "failed") << last;
  EXPECT_FALSE(last["message"].get<std::string>().empty()) << last;
}

TEST_F(ServerTest, ALockedLibraryIsABusyAnswerNotAHang) {
  stop();
  start("", [](server::ServerParams& p) { p.busy_timeout_s = 0.3; });
  {
    // Another process's exclusive hold of the database file (a writer in exclusive locking mode).
    library::Db other(*dir_ / "lib.db", false, 1);
    other.exec("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE videos SET added = added; COMMIT;");
    const auto t0 = std::chrono::steady_clock::now();
    const nlohmann::json j = get_json("/api/videos", 503);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
    EXPECT_NE(j["error"]["message"].get<std::string>().find("busy"), std::string::npos) << j;
    get_json("/api/health", 503);
  }
  // Once it lets go, the same server answers.
  EXPECT_EQ(get_json("/api/videos")["total"], 2);
}

}  // namespace
}  // namespace vidscribe::testing
