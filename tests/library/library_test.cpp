// The library in-process: schema and its versions, float16 storage, the full-text query, search on planted
// vectors and captions (moments, padding, per-video limits, modes), and the vector indexes (kinds, staleness,
// a damaged index file rebuilt, approximate recall).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "library/half.h"
#include "library/kernels.h"
#include "library/library.h"
#include "library/ops.h"
#include "library/search.h"
#include "library/vector_index.h"
#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;
using library::Library;

constexpr int64_t kDim = 8;

Library open(const fs::path& p, bool create = true) {
  Library::OpenOptions o;
  o.create = create;
  o.busy_timeout_s = 2;
  return Library(p, o);
}

// A unit vector along axis `a`, with a little of axis `b` (distinct frames of one scene).
std::vector<float> axis(int a, float mix = 0, int b = 7) {
  std::vector<float> v(kDim, 0.0f);
  v[static_cast<size_t>(a)] = 1;
  v[static_cast<size_t>(b)] += mix;
  float n = 0;
  for (float x : v) n += x * x;
  for (float& x : v) x /= std::sqrt(n);
  return v;
}

// A video of 1-fps frames, each frame's scene an axis: scenes[i] is frame i's axis.
int64_t add_video(Library& lib, const std::string& path, const std::vector<int>& scenes, int64_t model,
                  const std::vector<Event>& events = {}) {
  library::Transaction t(lib.db());
  library::Video v;
  v.path = path;
  v.content_hash = "v1:" + path;
  v.duration_s = static_cast<double>(scenes.size());
  const int64_t id = lib.put_video(v);
  std::vector<double> times;
  std::vector<float> vectors;
  for (size_t i = 0; i < scenes.size(); ++i) {
    times.push_back(static_cast<double>(i) + 0.5);
    const std::vector<float> f = axis(scenes[i], 0.05f * static_cast<float>(i % 3));
    vectors.insert(vectors.end(), f.begin(), f.end());
  }
  lib.put_frame_set(id, model, "{}", times, kDim, vectors.data());
  if (!events.empty()) {
    VideoCaptions c;
    c.events = events;
    c.model_json = R"({"clip":{"sha256":"c"},"lm":{"sha256":"l"}})";
    c.options_json = "{}";
    lib.add_caption_run(id, c, "caption");
  }
  t.commit();
  return id;
}

TEST(Half, RoundTripsWhatFloat16HoldsAndRoundsTheRest) {
  for (float f : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f, 0.333251953125f}) {
    EXPECT_EQ(library::half_to_float(library::float_to_half(f)), f) << f;
  }
  EXPECT_TRUE(std::isinf(library::half_to_float(library::float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(library::half_to_float(library::float_to_half(NAN))));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int i = 0; i < 10000; ++i) {
    const float f = u(rng);
    const float back = library::half_to_float(library::float_to_half(f));
    EXPECT_LE(std::abs(back - f), std::abs(f) * 0x1p-11f + 0x1p-25f) << f;  // half an ulp of float16
  }
  // Ties go to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(library::half_to_float(library::float_to_half(1.0f + 0x1p-11f)), 1.0f);
  EXPECT_EQ(library::half_to_float(library::float_to_half(1.0f + 3 * 0x1p-11f)), 1.0f + 0x1p-9f);
}

TEST(Schema, CreatesOpensAndRefusesWhatIsNotALibrary) {
  TempDir tmp;
  const fs::path db = tmp / "sub/lib.db";
  EXPECT_THROW(open(db, false), Error);  // nothing there yet, and no create
  { Library lib = open(db); EXPECT_EQ(lib.library_id().size(), 32u); }
  {
    Library lib = open(db, false);
    library::Stmt s(lib.db(), "PRAGMA journal_mode");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "wal");
  }
  // A newer schema is refused with the versions named.
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  try {
    open(db, false);
    ADD_FAILURE() << "a newer schema was opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("schema version 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("newer vidscribe"), std::string::npos) << e.what();
  }
  // A file that is not SQLite.
  util::write_file_atomic(tmp / "text.db", std::string(5000, 'x'));
  try {
    open(tmp / "text.db", false);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("not a vidscribe library"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(tmp / "text.db"), std::string(5000, 'x'));  // left as it was
  // An SQLite database of something else.
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "other.db").c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  EXPECT_THROW(open(tmp / "other.db", true), Error);
}

TEST(Schema, ChangedContentDropsWhatWasDerivedAndRemoveCascades) {
  TempDir tmp;
  Library lib = open(tmp / "lib.db");
  const int64_t m = lib.put_model("sha", "/m", kDim);
  const int64_t v = add_video(lib, "/a.mp4", {0, 0, 1}, m, {{0, 2, "a red ball", 0.3}});
  EXPECT_EQ(lib.frame_count(m), 3);
  const int64_t g = lib.model(m)->generation;
  library::Video now = *lib.video(v);
  now.content_hash = "v1:other";
  EXPECT_EQ(lib.put_video(now), v);
  EXPECT_EQ(lib.frame_count(m), 0);
  EXPECT_FALSE(lib.latest_run(v));
  EXPECT_GT(lib.model(m)->generation, g);  // the index is out of step now
  add_video(lib, "/b.mp4", {1}, m, {{0, 1, "blue", 0.3}});
  ASSERT_TRUE(lib.video_by_path("/b.mp4"));
  EXPECT_TRUE(lib.remove_video(lib.video_by_path("/b.mp4")->id));
  library::Stmt s(lib.db(), "SELECT (SELECT count(*) FROM frame_sets), (SELECT count(*) FROM events), (SELECT count(*) FROM caption_runs)");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 0);
  EXPECT_EQ(s.integer(1), 0);
  EXPECT_EQ(s.integer(2), 0);
  EXPECT_TRUE(library::check_library(lib, false, {}, 1).damage.empty());
}

TEST(FtsQuery, QuotesEveryWordAndRejectsBadText) {
  EXPECT_EQ(library::fts_query("pour coffee"), "\"pour\" OR \"coffee\"");
  EXPECT_EQ(library::fts_query("NEAR(a b) \"x\" col:y -z *"), "\"NEAR\" OR \"a\" OR \"b\" OR \"x\" OR \"col\" OR \"y\" OR \"z\"");
  EXPECT_EQ(library::fts_query("  ,. "), "");
  EXPECT_EQ(library::fts_query("café"), "\"café\"");
  EXPECT_THROW(library::fts_query(std::string("a\xff") + "b"), Error);
  std::string many;
  for (int i = 0; i < 500; ++i) many += "w" + std::to_string(i) + " ";
  const std::string q = library::fts_query(many);
  EXPECT_EQ(std::count(q.begin(), q.end(), '"'), 2 * 64);
}

class PlantedSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    m_ = lib_.put_model("sha", "/m", kDim);
    // Video 1: scene 0 for 10 s, scene 1 (planted) at 10-15 s, scene 0 again; video 2: scenes 2 and 1 (at 4-6 s);
    // video 3: scene 3 only, captioned "someone pours coffee".
    std::vector<int> a(20, 0);
    for (int i = 10; i < 15; ++i) a[static_cast<size_t>(i)] = 1;
    v1_ = add_video(lib_, "/v1.mp4", a, m_, {{0, 10, "a man reads a book", 0.3}, {10, 15, "a dog runs on grass", 0.3}});
    v2_ = add_video(lib_, "/v2.mp4", {2, 2, 2, 2, 1, 1, 2, 2}, m_, {{0, 8, "a woman is pouring coffee into a cup", 0.3}});
    v3_ = add_video(lib_, "/v3.mp4", {3, 3, 3, 3}, m_, {{0, 4, "someone pours coffee", 0.3}});
    model_ = *lib_.model(m_);
    index_ = std::make_unique<library::VectorIndex>(library::VectorIndex::open(lib_, model_, {}, 1));
  }
  std::vector<library::Moment> find(const std::vector<float>& q, const std::string& text, library::SearchOptions o) {
    return library::search(lib_, &model_, index_.get(), q, text, o);
  }
  TempDir tmp_;
  Library lib_ = open(tmp_ / "lib.db");
  int64_t m_ = 0, v1_ = 0, v2_ = 0, v3_ = 0;
  library::Model model_;
  std::unique_ptr<library::VectorIndex> index_;
};

TEST_F(PlantedSearch, FramesFindThePlantedMomentsWithTheirSpans) {
  library::SearchOptions o;
  o.mode = "frames";
  const std::vector<library::Moment> r = find(axis(1), "", o);
  ASSERT_GE(r.size(), 2u);
  // Video 1's frames 10..14 sit at 10.5..14.5 s; padded by half the 1 s spacing: 10-15 s.
  std::map<int64_t, library::Moment> best;
  for (const auto& m : r) best.emplace(m.video_id, m);
  ASSERT_TRUE(best.count(v1_) && best.count(v2_));
  EXPECT_NEAR(best[v1_].start_s, 10.0, 1e-9);
  EXPECT_NEAR(best[v1_].end_s, 15.0, 1e-9);
  EXPECT_NEAR(best[v2_].start_s, 4.0, 1e-9);
  EXPECT_NEAR(best[v2_].end_s, 6.0, 1e-9);
  EXPECT_GT(best[v1_].frame_score, 0.99);
  EXPECT_GE(best[v1_].best_frame_s, 10.5);
  EXPECT_LE(best[v1_].best_frame_s, 14.5);
  // The moment carries the events that overlap it.
  ASSERT_FALSE(best[v1_].events.empty());
  bool dog = false;
  for (const auto& e : best[v1_].events) dog = dog || e.caption == "a dog runs on grass";
  EXPECT_TRUE(dog);
  for (size_t i = 1; i < r.size(); ++i) EXPECT_GE(r[i - 1].score, r[i].score);
  // Video 3 never shows scene 1 and its best frames are far off: not above scene-1 moments.
  EXPECT_NE(r.front().video_id, v3_);
}

TEST_F(PlantedSearch, PerVideoLimitTopMinScoreAndOneVideo) {
  library::SearchOptions o;
  o.mode = "frames";
  o.frame_level = 0;  // every frame of a video in one moment
  o.top = 1;
  EXPECT_EQ(find(axis(1), "", o).size(), 1u);
  o.top = 10;
  o.min_score = 0.99;
  for (const auto& m : find(axis(1), "", o)) EXPECT_GE(m.score, 0.99);
  o.min_score = -INFINITY;
  o.video = v3_;
  const auto only = find(axis(1), "", o);
  ASSERT_FALSE(only.empty());
  for (const auto& m : only) EXPECT_EQ(m.video_id, v3_);
  // Two separate runs of scene 0 in video 1 (0-10 s and 15-20 s): two moments, or one with per_video 1.
  o = {};
  o.mode = "frames";
  o.video = v1_;
  EXPECT_EQ(find(axis(0), "", o).size(), 2u);
  o.per_video = 1;
  EXPECT_EQ(find(axis(0), "", o).size(), 1u);
}

TEST_F(PlantedSearch, CaptionsMatchStemsAndBothAddsTheMatch) {
  library::SearchOptions o;
  o.mode = "captions";
  auto r = find({}, "pouring coffee", o);
  ASSERT_EQ(r.size(), 2u);  // "pours coffee" and "is pouring coffee": Porter stems
  std::set<int64_t> videos = {r[0].video_id, r[1].video_id};
  EXPECT_EQ(videos, (std::set<int64_t>{v2_, v3_}));
  for (const auto& m : r) {
    EXPECT_GT(m.text_score, 0);
    EXPECT_LT(m.text_score, 1);
    EXPECT_EQ(m.score, m.text_score);
  }
  EXPECT_TRUE(find({}, "zebra", o).empty());
  // Both: a frame query for scene 3 plus the words; video 3 matches on both and comes first.
  o.mode = "both";
  r = find(axis(3), "pours coffee", o);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front().video_id, v3_);
  EXPECT_NEAR(r.front().score, r.front().frame_score + 0.1 * r.front().text_score, 1e-9);
  EXPECT_GT(r.front().text_score, 0);
  // A caption-only moment still gets the best frame inside its event.
  bool v2_seen = false;
  for (const auto& m : r) {
    if (m.video_id != v2_) continue;
    v2_seen = true;
    EXPECT_GE(m.best_frame_s, 0);
    EXPECT_LE(m.best_frame_s, 8);
  }
  EXPECT_TRUE(v2_seen);
}

TEST_F(PlantedSearch, OnlyTheLatestCaptionRunIsSearched) {
  VideoCaptions c;
  c.events = {{0, 4, "a cat sleeps", 0.3}};
  c.model_json = "{}";
  c.options_json = "{}";
  lib_.add_caption_run(v3_, c, "caption");
  library::SearchOptions o;
  o.mode = "captions";
  for (const auto& m : find({}, "pours coffee", o)) EXPECT_NE(m.video_id, v3_);
  EXPECT_EQ(find({}, "cat", o).size(), 1u);
}

TEST_F(PlantedSearch, AStaleOrDamagedIndexIsRebuiltNeverTrusted) {
  std::string why;
  const library::IndexParams flat;  // the default kind: exact
  EXPECT_TRUE(library::index_is_current(lib_, *lib_.model(m_), flat, &why)) << why;
  add_video(lib_, "/v4.mp4", {1, 1}, m_);
  EXPECT_FALSE(library::index_is_current(lib_, *lib_.model(m_), flat, &why));
  EXPECT_TRUE(why.find("generation") != std::string::npos || why.find("frames") != std::string::npos) << why;
  EXPECT_FALSE(library::check_library(lib_, false, {}, 1).indexes.empty());
  library::VectorIndex again = library::VectorIndex::open(lib_, *lib_.model(m_), flat, 1);
  EXPECT_TRUE(again.rebuilt());
  EXPECT_EQ(again.size(), 20 + 8 + 4 + 2);
  EXPECT_FALSE(library::VectorIndex::open(lib_, *lib_.model(m_), flat, 1).rebuilt());  // current now: loaded
  // Garbage in the index file, its record intact: read fails, rebuilt.
  util::write_file_atomic(library::index_path(lib_.path(), m_), "garbage");
  library::VectorIndex fixed = library::VectorIndex::open(lib_, *lib_.model(m_), flat, 1);
  EXPECT_TRUE(fixed.rebuilt());
  EXPECT_EQ(fixed.size(), 34);
  // A file of the right kind cut short is not used either.
  {
    const std::string whole = slurp(library::index_path(lib_.path(), m_));
    util::write_file_atomic(library::index_path(lib_.path(), m_), whole.substr(0, whole.size() - 2));
    EXPECT_TRUE(library::VectorIndex::open(lib_, *lib_.model(m_), flat, 1).rebuilt());
  }
  // An index of another kind than asked is not used.
  library::IndexParams hnsw;
  hnsw.kind = "hnsw";
  EXPECT_FALSE(library::index_is_current(lib_, *lib_.model(m_), hnsw, &why));
}

TEST(Kernels, InnerProductsAndTopKAgreeWithAPlainComputation) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1, 1);
  for (const int64_t dim : {1, 5, 16, 17, 512}) {
    const int64_t n = 3000;
    std::vector<uint16_t> rows(static_cast<size_t>(n * dim));
    for (auto& h : rows) h = library::float_to_half(u(rng));
    for (int64_t i = 0; i < dim; ++i) rows[static_cast<size_t>(5 * dim + i)] = rows[static_cast<size_t>(7 * dim + i)];  // a tie
    std::vector<float> q(static_cast<size_t>(dim));
    for (auto& x : q) x = u(rng);
    std::vector<float> got(static_cast<size_t>(n));
    library::inner_products_f16(rows.data(), n, dim, q.data(), got.data());
    std::vector<std::pair<double, int64_t>> want;
    for (int64_t i = 0; i < n; ++i) {
      double d = 0;
      for (int64_t j = 0; j < dim; ++j) d += static_cast<double>(library::half_to_float(rows[static_cast<size_t>(i * dim + j)])) * q[static_cast<size_t>(j)];
      EXPECT_NEAR(got[static_cast<size_t>(i)], d, 1e-4 * std::sqrt(static_cast<double>(dim))) << dim << " " << i;
      want.emplace_back(-static_cast<double>(got[static_cast<size_t>(i)]), i);
    }
    std::sort(want.begin(), want.end());
    for (const int threads : {1, 2}) {
      const auto top = library::top_k_f16(rows.data(), n, dim, q.data(), 50, threads);
      ASSERT_EQ(top.size(), 50u);
      for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(top[i].first, want[i].second) << dim << " " << i;
    }
    EXPECT_EQ(library::top_k_f16(rows.data(), n, dim, q.data(), 5000, 2).size(), static_cast<size_t>(n));
  }
}

TEST(VectorIndexKinds, ApproximateIndexesFindWhatExactFinds) {
  // 4000 vectors of 32 dims in 40 clusters; queries near cluster members.
  const int64_t n = 4000, d = 32;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> centres(40 * d), data(static_cast<size_t>(n * d));
  for (float& x : centres) x = g(rng);
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    ids[static_cast<size_t>(i)] = library::frame_id(1 + i / 100, i % 100);
    float norm = 0;
    for (int64_t j = 0; j < d; ++j) {
      float& x = data[static_cast<size_t>(i * d + j)];
      x = centres[static_cast<size_t>((i % 40) * d + j)] + 0.3f * g(rng);
      norm += x * x;
    }
    for (int64_t j = 0; j < d; ++j) data[static_cast<size_t>(i * d + j)] /= std::sqrt(norm);
  }
  const library::VectorIndex exact = library::VectorIndex::build(ids, data.data(), d, {}, 1);
  for (const std::string kind : {"flat", "ivf", "hnsw"}) {
    library::IndexParams p;
    p.kind = kind;
    p.nprobe = 16;
    const library::VectorIndex approx = library::VectorIndex::build(ids, data.data(), d, p, 1);
    EXPECT_EQ(approx.size(), n);
    int found = 0, total = 0;
    for (int q = 0; q < 50; ++q) {
      const float* query = data.data() + (q * 37 % n) * d;
      std::set<int64_t> truth;
      for (const auto& [id, s] : exact.search(query, 10)) truth.insert(id);
      for (const auto& [id, s] : approx.search(query, 10)) found += static_cast<int>(truth.count(id));
      total += 10;
    }
    EXPECT_GE(static_cast<double>(found) / total, kind == "flat" ? 0.99 : 0.8) << kind;
  }
  library::IndexParams bad;
  bad.kind = "lsh";
  EXPECT_THROW(library::VectorIndex::build(ids, data.data(), d, bad, 1), Error);
  bad.kind = "ivf";
  bad.nlist = 8192;  // more clusters than vectors
  EXPECT_THROW(library::VectorIndex::build(ids, data.data(), d, bad, 1), Error);
}

}  // namespace
}  // namespace vidscribe::testing
