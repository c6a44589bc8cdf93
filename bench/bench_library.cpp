// The library at 10^4 - 10^6 frame vectors of 512 dimensions (synthetic: "videos" of 300 frames, each a
// random walk of unit vectors, about 0.9 cosine from one frame to the next, as CLIP frames of one shot). For each size, in one run:
//   add      put_video + put_frame_set per video, one transaction each (frames per second, embedding
//            excluded: the library's own cost, to compare with CLIP's rate);
//   index    the flat index built from the database (fp16 decoded), and ivf / hnsw where asked;
//   query    single queries (median, p95 over --queries): the index alone, and the whole search with moments;
//            queries are frames with noise (cosine about 0.6 to their source, off the frames as text queries are);
//   recall   recall@10 of each approximate index against exact;
//   fp16     top-10 overlap of exact search over the stored float16 vectors against the float32 originals;
//   size     database and index bytes per hour of video at 1 fps.
// Prints one JSON object per size.
//
// Usage: bench_library [--sizes 10000,100000,1000000] [--approx 10000,100000] [--hnsw 10000] [--queries 200]
//                      [--threads 2] [--dir /tmp/vidscribe-bench-library]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "library/kernels.h"
#include "library/library.h"
#include "library/search.h"
#include "library/vector_index.h"
#include "options.h"

namespace {
namespace fs = std::filesystem;
using namespace vidscribe;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<int64_t> list_of(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
}

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

void normalise(float* v, int64_t d) {
  double n = 0;
  for (int64_t j = 0; j < d; ++j) n += static_cast<double>(v[j]) * v[j];
  const auto inv = static_cast<float>(1 / std::sqrt(n));
  for (int64_t j = 0; j < d; ++j) v[j] *= inv;
}

struct Stats {
  double median_ms, p95_ms;
};
Stats stats(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  return {1000 * s[s.size() / 2], 1000 * s[std::min(s.size() - 1, s.size() * 95 / 100)]};
}

std::set<int64_t> ids_of(const std::vector<std::pair<int64_t, float>>& hits) {
  std::set<int64_t> out;
  for (const auto& h : hits) out.insert(h.first);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: bench_library [--sizes 10000,100000,1000000] [--approx 10000,100000] [--hnsw 10000] [--queries 200] "
      "[--threads 2] [--dir DIR]";
  std::string sizes_s = "10000,100000,1000000", approx_s = "10000,100000", hnsw_s = "10000";
  int queries = 200, threads = 2;
  fs::path dir = "/tmp/vidscribe-bench-library";
  for (const auto& [k, v] : bench::parse_options(argc, argv, usage, {"--sizes", "--approx", "--hnsw", "--queries", "--threads", "--dir"})) {
    if (k == "--sizes") sizes_s = v;
    if (k == "--approx") approx_s = v;
    if (k == "--hnsw") hnsw_s = v;
    if (k == "--queries") queries = std::stoi(v);
    if (k == "--threads") threads = std::stoi(v);
    if (k == "--dir") dir = v;
  }
  const std::vector<int64_t> approx = list_of(approx_s), hnsw = list_of(hnsw_s);
  constexpr int64_t kDim = 512, kPerVideo = 300;
  fs::create_directories(dir);
  try {
    for (const int64_t n : list_of(sizes_s)) {
      nlohmann::ordered_json out;
      out["frames"] = n;
      const fs::path db = dir / ("lib-" + std::to_string(n) + ".db");
      fs::remove(db);
      fs::remove_all(library::index_dir(db));
      fs::remove(db.string() + "-wal");
      fs::remove(db.string() + "-shm");
      // The vectors, kept in float32 for the fp16 comparison.
      std::mt19937_64 rng(42);
      std::normal_distribution<float> g(0, 1);
      std::vector<float> all(static_cast<size_t>(n * kDim));
      for (int64_t i = 0; i < n; ++i) {
        float* row = all.data() + i * kDim;
        if (i % kPerVideo == 0) {
          for (int64_t j = 0; j < kDim; ++j) row[j] = g(rng);
        } else {
          const float* prev = row - kDim;
          for (int64_t j = 0; j < kDim; ++j) row[j] = prev[j] + 0.02f * g(rng);  // cosine about 0.9 to the previous frame
        }
        normalise(row, kDim);
      }
      // add
      library::Library::OpenOptions oo;
      oo.create = true;
      library::Library lib(db, oo);
      const int64_t model = [&] {
        library::Transaction t(lib.db());
        const int64_t m = lib.put_model("bench", "/bench", kDim);
        t.commit();
        return m;
      }();
      std::vector<int64_t> ids;
      const auto t_add = Clock::now();
      for (int64_t v = 0; v * kPerVideo < n; ++v) {
        const int64_t first = v * kPerVideo, count = std::min(kPerVideo, n - first);
        library::Transaction t(lib.db());
        library::Video video;
        video.path = "/videos/v" + std::to_string(v) + ".mp4";
        video.content_hash = "v1:" + std::to_string(v);
        video.duration_s = static_cast<double>(count);
        const int64_t vid = lib.put_video(video);
        std::vector<double> times(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) times[static_cast<size_t>(i)] = static_cast<double>(i) + 0.5;
        const int64_t set = lib.put_frame_set(vid, model, "{}", times, kDim, all.data() + first * kDim);
        t.commit();
        for (int64_t i = 0; i < count; ++i) ids.push_back(library::frame_id(set, i));
      }
      const double add_s = seconds_since(t_add);
      out["add_frames_per_s"] = static_cast<double>(n) / add_s;
      const library::Model m = *lib.model(model);

      // The queries: frames with noise.
      std::vector<std::vector<float>> qs;
      std::uniform_int_distribution<int64_t> pick(0, n - 1);
      for (int q = 0; q < queries; ++q) {
        const int64_t src = pick(rng);
        std::vector<float> v(all.begin() + src * kDim, all.begin() + (src + 1) * kDim);
        for (float& x : v) x += 0.058f * g(rng);  // |noise| ~ 1.3 for 512 dims: cosine ~ 0.6
        normalise(v.data(), kDim);
        qs.push_back(std::move(v));
      }

      out["simd"] = library::simd_kernels();
      const auto t_flat = Clock::now();
      const library::VectorIndex flat = library::VectorIndex::open(lib, m, {}, threads);  // exact: rebuilt from the db
      out["exact_build_s"] = seconds_since(t_flat);
      const auto t_load = Clock::now();
      const library::VectorIndex flat_loaded = library::VectorIndex::open(lib, m, {}, threads);
      out["exact_load_s"] = seconds_since(t_load);
      (void)flat_loaded;
      std::vector<double> lat;
      std::vector<std::set<int64_t>> truth;
      for (const auto& q : qs) {
        const auto t0 = Clock::now();
        truth.push_back(ids_of(flat.search(q.data(), 10)));
        lat.push_back(seconds_since(t0));
      }
      Stats s = stats(lat);
      out["exact_query_ms"] = {{"median", s.median_ms}, {"p95", s.p95_ms}};
      // The whole search (frames mode: index, frame sets of the candidate videos, moments).
      lat.clear();
      library::SearchOptions so;
      so.mode = "frames";
      for (int q = 0; q < std::min(queries, 50); ++q) {
        const auto t0 = Clock::now();
        library::search(lib, &m, &flat, qs[static_cast<size_t>(q)], "", so);
        lat.push_back(seconds_since(t0));
      }
      s = stats(lat);
      out["search_ms"] = {{"median", s.median_ms}, {"p95", s.p95_ms}};
      // fp16: exact search over the float32 originals (FAISS IndexFlatIP: the "flat" kind), timed too.
      {
        library::IndexParams fp;
        fp.kind = "flat";
        const library::VectorIndex f32 = library::VectorIndex::build(ids, all.data(), kDim, fp, threads);
        double same = 0;
        std::vector<double> l;
        for (size_t q = 0; q < qs.size(); ++q) {
          const auto t1 = Clock::now();
          const std::set<int64_t> a = ids_of(f32.search(qs[q].data(), 10));
          l.push_back(seconds_since(t1));
          for (int64_t id : truth[q]) same += static_cast<double>(a.count(id));
        }
        out["fp16_top10_overlap"] = same / (10.0 * static_cast<double>(qs.size()));
        const Stats st = stats(l);
        out["faiss_flat_fp32_query_ms"] = {{"median", st.median_ms}, {"p95", st.p95_ms}};
      }
      const auto file_size = [](const fs::path& p) {
        std::error_code ec;
        const auto s = fs::file_size(p, ec);
        return ec ? 0.0 : static_cast<double>(s);
      };
      lib.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
      const double hours = static_cast<double>(n) / 3600.0;
      out["db_mib_per_hour"] = file_size(db) / hours / (1 << 20);
      out["exact_index_mib_per_hour"] = file_size(library::index_path(db, model)) / hours / (1 << 20);

      const auto approximate = [&](library::IndexParams p, const std::string& name) {
        const auto t0 = Clock::now();
        const library::VectorIndex idx = library::VectorIndex::build(ids, all.data(), kDim, p, threads);
        out[name + "_build_s"] = seconds_since(t0);
        std::vector<double> l;
        double found = 0;
        for (size_t q = 0; q < qs.size(); ++q) {
          const auto t1 = Clock::now();
          const auto hits = idx.search(qs[q].data(), 10);
          l.push_back(seconds_since(t1));
          for (const auto& h : hits) found += static_cast<double>(truth[q].count(h.first));
        }
        const Stats st = stats(l);
        out[name + "_query_ms"] = {{"median", st.median_ms}, {"p95", st.p95_ms}};
        out[name + "_recall10"] = found / (10.0 * static_cast<double>(qs.size()));
      };
      if (contains(approx, n)) {
        library::IndexParams p;
        p.kind = "ivf";
        for (const int nprobe : {16, 64}) {
          p.nprobe = nprobe;
          approximate(p, "ivf_nprobe" + std::to_string(nprobe));
        }
      }
      if (contains(hnsw, n)) {
        library::IndexParams p;
        p.kind = "hnsw";
        approximate(p, "hnsw_ef256");
      }
      std::printf("%s\n", out.dump().c_str());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_library: %s\n", e.what());
    return 1;
  }
  return 0;
}
