// vidscribe serve under load: a library of --frames frame vectors (synthetic: "videos" of 300 frames, random
// walks of unit vectors as in bench_library, each with 3 captioned events) made for a real CLIP model
// (--clip: its text tower embeds the queries), served on a loopback port, and --clients threads asking at once:
//   video    GET /api/videos/{id} (facts, frame sets, runs, the latest events) for random ids;
//   search   GET /api/search?q=... (two random words of the captions, mode both: the CLIP text embedding, the
//            exact frame index, the full-text match, moments) - searches run one at a time, so the p95 under
//            20 clients is mostly waiting;
//   seek     a 1 GB media file (--media-mb): what a player's seek costs, a Range request "bytes=N-" at a
//            random offset read for its first MiB (about a second of 8 Mbit/s video), time to the first byte
//            and to the MiB, and the bytes the server process read for it (/proc/PID/io rchar).
// Prints one JSON object: median and p95 in milliseconds for each.
//
// Usage: bench_server [--frames 100000] [--clients 20] [--requests 40] [--clip ../shared/world/models/world-clip]
//                     [--media-mb 1024] [--dir /tmp/vidscribe-bench-server] [--threads 2]

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "library/library.h"
#include "library/vector_index.h"
#include "options.h"
#include "server/server.h"
#include "util/file_hash.h"

namespace {
namespace fs = std::filesystem;
using namespace vidscribe;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

nlohmann::ordered_json stats(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  return {{"median", s[s.size() / 2]}, {"p95", s[std::min(s.size() - 1, s.size() * 95 / 100)]}, {"n", s.size()}};
}

// Bytes a process has read through read(2)/pread(2) so far.
int64_t bytes_read(const std::string& proc_io) {
  std::ifstream io(proc_io);
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return -1;
}

const char* kWords[] = {"person", "kitchen", "onions", "dog", "ball", "street", "car", "guitar", "water", "table",
                        "child", "bicycle", "garden", "window", "coffee", "cup", "horse", "beach", "snow", "phone"};
constexpr int kWordCount = sizeof kWords / sizeof kWords[0];

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: bench_server [--frames 100000] [--clients 20] [--requests 40] [--clip DIR] [--media-mb 1024] [--dir DIR] "
      "[--threads 2]";
  int64_t frames = 100000, media_mb = 1024;
  int clients = 20, requests = 40, threads = 2;
  std::string clip = "../shared/world/models/world-clip";
  fs::path dir = "/tmp/vidscribe-bench-server";
  for (const auto& [k, v] : bench::parse_options(argc, argv, usage,
                                                 {"--frames", "--clients", "--requests", "--clip", "--media-mb", "--dir", "--threads"})) {
    if (k == "--frames") frames = std::stoll(v);
    if (k == "--clients") clients = std::stoi(v);
    if (k == "--requests") requests = std::stoi(v);
    if (k == "--clip") clip = v;
    if (k == "--media-mb") media_mb = std::stoll(v);
    if (k == "--dir") dir = v;
    if (k == "--threads") threads = std::stoi(v);
  }
  try {
    fs::create_directories(dir);
    nlohmann::ordered_json out;
    out["frames"] = frames;
    out["clients"] = clients;
    // The CLIP model the frames are "of": its dimension and identity. (Nothing of torch runs before the fork below.)
    const fs::path clip_dir = fs::absolute(clip);
    const int64_t dim = nlohmann::json::parse(std::ifstream(clip_dir / "config.json")).at("projection_dim").get<int64_t>();
    const std::string sha = util::file_sha256(clip_dir / "model.safetensors");

    // The media file: 1 GB of bytes (what is served does not depend on their being a video).
    const fs::path media = dir / "media.bin";
    if (!fs::exists(media) || static_cast<int64_t>(fs::file_size(media)) != media_mb << 20) {
      std::ofstream f(media, std::ios::binary | std::ios::trunc);
      std::mt19937_64 rng(1);
      std::vector<uint64_t> block(1 << 17);
      for (int64_t mb = 0; mb < media_mb; ++mb) {
        for (auto& x : block) x = rng();
        f.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
      }
    }

    // The library.
    const fs::path db = dir / "lib.db";
    for (const fs::path& p : {db, fs::path(db.string() + "-wal"), fs::path(db.string() + "-shm")}) fs::remove(p);
    fs::remove_all(library::index_dir(db));
    std::vector<int64_t> video_ids;
    {
      library::Library::OpenOptions oo;
      oo.create = true;
      library::Library lib(db, oo);
      std::mt19937_64 rng(42);
      std::normal_distribution<float> g(0, 1);
      std::uniform_int_distribution<int> word(0, kWordCount - 1);
      library::Transaction mt(lib.db());
      const int64_t model = lib.put_model(sha, clip_dir.string(), dim);
      mt.commit();
      constexpr int64_t kPerVideo = 300;
      std::vector<float> vectors(static_cast<size_t>(kPerVideo * dim));
      for (int64_t v = 0; v * kPerVideo < frames; ++v) {
        const int64_t count = std::min(kPerVideo, frames - v * kPerVideo);
        for (int64_t i = 0; i < count; ++i) {
          float* row = vectors.data() + i * dim;
          double n = 0;
          for (int64_t j = 0; j < dim; ++j) {
            row[j] = i == 0 ? g(rng) : row[j - dim] + 0.02f * g(rng);
            n += static_cast<double>(row[j]) * row[j];
          }
          for (int64_t j = 0; j < dim; ++j) row[j] = static_cast<float>(row[j] / std::sqrt(n));
        }
        library::Transaction t(lib.db());
        library::Video video;
        video.path = media.string();
        if (v > 0) video.path = (dir / ("v" + std::to_string(v) + ".mp4")).string();  // the others need no file
        video.content_hash = "v1:" + std::to_string(v);
        video.duration_s = static_cast<double>(count);
        video.probe = "{}";
        const int64_t vid = lib.put_video(video);
        video_ids.push_back(vid);
        std::vector<double> times(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) times[static_cast<size_t>(i)] = static_cast<double>(i) + 0.5;
        lib.put_frame_set(vid, model, "{}", times, dim, vectors.data());
        VideoCaptions c;
        c.duration_s = video.duration_s;
        c.model_json = "{}";
        c.options_json = "{}";
        for (int e = 0; e < 3; ++e) {
          c.events.push_back({count * e / 3.0, count * (e + 1) / 3.0,
                              std::string("a ") + kWords[word(rng)] + " and a " + kWords[word(rng)] + " near the " + kWords[word(rng)], 0.3});
        }
        lib.add_caption_run(vid, c, "bench");
        t.commit();
      }
    }

    // The server in a process of its own, as it runs for real: what it reads from disk is its own count.
    int ports[2];
    if (::pipe(ports) != 0) throw std::runtime_error("pipe failed");
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
      server::ServerParams sp;
      sp.library = db;
      sp.port = 0;
      sp.models.threads = threads;
      server::Server srv(sp);
      const int port = srv.port();
      if (::write(ports[1], &port, sizeof port) != sizeof port) ::_exit(1);
      srv.run();
      ::_exit(0);
    }
    int port = 0;
    if (::read(ports[0], &port, sizeof port) != sizeof port) throw std::runtime_error("the server did not start");
    const std::string server_io = "/proc/" + std::to_string(child) + "/io";
    {
      httplib::Client warm("127.0.0.1", port);
      warm.set_read_timeout(600, 0);
      for (int i = 0; i < 100 && !warm.Get("/api/health"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const auto t0 = Clock::now();
      auto r = warm.Get("/api/search?q=warm");  // loads CLIP and builds the exact index
      if (!r || r->status != 200) throw std::runtime_error("the first search failed: " + (r ? r->body : std::string("no answer")));
      out["first_search_s"] = ms_since(t0) / 1000;
    }

    // Clients, all at once, each `requests` times: one endpoint per phase.
    const auto load = [&](const std::function<std::string(std::mt19937_64&)>& url) {
      std::vector<double> lat;
      std::mutex m;
      std::atomic<int> failed{0};
      std::vector<std::thread> ts;
      for (int c = 0; c < clients; ++c) {
        ts.emplace_back([&, c] {
          std::mt19937_64 rng(static_cast<uint64_t>(c) + 7);
          httplib::Client client("127.0.0.1", port);
          client.set_read_timeout(600, 0);
          client.set_keep_alive(true);
          std::vector<double> mine;
          for (int i = 0; i < requests; ++i) {
            const std::string u = url(rng);
            const auto t0 = Clock::now();
            auto r = client.Get(u.c_str());
            if (!r || r->status != 200) ++failed;
            mine.push_back(ms_since(t0));
          }
          std::lock_guard<std::mutex> lock(m);
          lat.insert(lat.end(), mine.begin(), mine.end());
        });
      }
      for (auto& t : ts) t.join();
      nlohmann::ordered_json j = stats(lat);
      j["failed"] = failed.load();
      return j;
    };
    out["video_ms"] = load([&](std::mt19937_64& rng) {
      return "/api/videos/" + std::to_string(video_ids[rng() % video_ids.size()]);
    });
    out["search_ms"] = load([&](std::mt19937_64& rng) {
      return std::string("/api/search?q=") + kWords[rng() % kWordCount] + "%20" + kWords[rng() % kWordCount];
    });

    // Seeks in the 1 GB file, one client (a player seeks alone).
    {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(600, 0);
      std::mt19937_64 rng(3);
      const int64_t size = media_mb << 20;
      std::vector<double> first_byte, one_mib;
      std::vector<double> read_per_seek;
      for (int i = 0; i < 50; ++i) {
        const int64_t at = static_cast<int64_t>(rng() % static_cast<uint64_t>(size - (1 << 20)));
        const int64_t before = bytes_read(server_io);
        const auto t0 = Clock::now();
        double t_first = -1;
        int64_t got = 0;
        // The player asks for the rest of the file from the seek point and stops reading once it has enough.
        client.Get(("/media/" + std::to_string(video_ids[0])).c_str(), {{"Range", "bytes=" + std::to_string(at) + "-"}},
                   [&](const char*, size_t n) {
                     if (t_first < 0) t_first = ms_since(t0);
                     got += static_cast<int64_t>(n);
                     return got < (1 << 20);
                   });
        one_mib.push_back(ms_since(t0));
        first_byte.push_back(t_first);
        read_per_seek.push_back(static_cast<double>(bytes_read(server_io) - before));
      }
      out["seek_first_byte_ms"] = stats(first_byte);
      out["seek_first_mib_ms"] = stats(one_mib);
      std::sort(read_per_seek.begin(), read_per_seek.end());
      out["seek_bytes_read_median"] = read_per_seek[read_per_seek.size() / 2];
      out["media_bytes"] = size;
    }
    ::kill(child, SIGTERM);
    ::waitpid(child, nullptr, 0);
    std::ifstream loadavg("/proc/loadavg");
    double load_1min = 0;
    loadavg >> load_1min;
    out["load_average_1min"] = load_1min;
    std::printf("%s\n", out.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
