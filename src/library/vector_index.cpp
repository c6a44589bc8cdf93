#include "library/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include "library/half.h"
#include "library/kernels.h"
#include "util/fs.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::library {
namespace fs = std::filesystem;

namespace {

// OpenMP's thread count for the calling thread, restored afterwards.
class ScopedOmp {
 public:
  explicit ScopedOmp(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(std::max(1, threads)); }
  ~ScopedOmp() { omp_set_num_threads(previous_); }

 private:
  int previous_;
};

int default_nlist(int64_t n) {
  const double target = 4 * std::sqrt(static_cast<double>(std::max<int64_t>(n, 1)));
  int nlist = 16;
  while (nlist * 2 <= target && nlist < 65536) nlist *= 2;
  return nlist;
}

faiss::IndexIDMap* id_map(faiss::Index* index) { return dynamic_cast<faiss::IndexIDMap*>(index); }

// Search-time parameters onto a built or loaded index.
void apply(faiss::Index* index, const IndexParams& p) {
  faiss::IndexIDMap* map = id_map(index);
  if (map == nullptr) return;
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(map->index)) ivf->nprobe = static_cast<size_t>(p.nprobe);
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(map->index)) hnsw->hnsw.efSearch = p.ef_search;
}

}  // namespace

std::string to_json(const IndexParams& p) {
  nlohmann::json j = {{"kind", p.kind}};
  if (p.kind == "ivf") {
    j["nlist"] = p.nlist;
    j["nprobe"] = p.nprobe;
  } else if (p.kind == "hnsw") {
    j["m"] = p.hnsw_m;
    j["ef_construction"] = p.ef_construction;
    j["ef_search"] = p.ef_search;
  }
  return j.dump();
}

void check_index_params(const IndexParams& p) {
  if (p.kind != "exact" && p.kind != "flat" && p.kind != "ivf" && p.kind != "hnsw") {
    throw Error(ErrorCode::kInvalidArgument, "index kind " + p.kind + ": expected exact, flat, ivf or hnsw");
  }
  const auto in = [](int v, int lo, int hi, const char* name) {
    if (v < lo || v > hi) {
      throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be in [" + std::to_string(lo) + ", " +
                                                   std::to_string(hi) + "], got " + std::to_string(v));
    }
  };
  in(p.nlist, 0, 1 << 20, "--nlist");
  in(p.nprobe, 1, 1 << 20, "--nprobe");
  in(p.hnsw_m, 4, 128, "--hnsw-m");
  in(p.ef_construction, 8, 4096, "--ef-construction");
  in(p.ef_search, 1, 1 << 16, "--ef-search");
}

IndexParams index_params_from_json(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  IndexParams p;
  if (!j.is_object()) return p;
  p.kind = j.value("kind", "exact");
  p.nlist = j.value("nlist", 0);
  p.nprobe = j.value("nprobe", 32);
  p.hnsw_m = j.value("m", 32);
  p.ef_construction = j.value("ef_construction", 64);
  p.ef_search = j.value("ef_search", 256);
  check_index_params(p);
  return p;
}

IndexParams stored_index_params(Library& lib, int64_t model_id) {
  Stmt s(lib.db(), "SELECT value FROM meta WHERE key = ?");
  s.bind(1, "index:" + std::to_string(model_id));
  if (!s.step()) return IndexParams{};
  return index_params_from_json(s.text(0));
}

void store_index_params(Library& lib, int64_t model_id, const IndexParams& p) {
  check_index_params(p);
  Stmt s(lib.db(), "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, "index:" + std::to_string(model_id)).bind(2, to_json(p)).run();
}

fs::path index_dir(const fs::path& library_path) { return fs::path(library_path.string() + ".index"); }

fs::path index_path(const fs::path& library_path, int64_t model_id) {
  return index_dir(library_path) / ("model-" + std::to_string(model_id) + ".index");
}

namespace {

nlohmann::json expected_record(Library& lib, const Model& model, const IndexParams& params) {
  return {{"library_id", lib.library_id()}, {"model", model.sha256},     {"generation", model.generation},
          {"frames", lib.frame_count(model.id)}, {"params", to_json(params)}};
}

fs::path record_path(const fs::path& index) { return fs::path(index.string() + ".json"); }

}  // namespace

bool index_is_current(Library& lib, const Model& model, const IndexParams& params, std::string* why) {
  const fs::path path = index_path(lib.path(), model.id);
  std::error_code ec;
  if (!fs::exists(path, ec) || !fs::exists(record_path(path), ec)) {
    *why = "no index file";
    return false;
  }
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(util::read_file(record_path(path)), nullptr, false);
  } catch (const Error& e) {
    *why = e.what();
    return false;
  }
  const nlohmann::json want = expected_record(lib, model, params);
  if (!record.is_object()) {
    *why = "its record is not JSON";
    return false;
  }
  for (auto it = want.begin(); it != want.end(); ++it) {
    if (!record.contains(it.key()) || record[it.key()] != it.value()) {
      *why = "its " + it.key() + " is " + (record.contains(it.key()) ? record[it.key()].dump() : "missing") +
             ", the library's " + it.value().dump();
      return false;
    }
  }
  why->clear();
  return true;
}

VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

namespace {
// The exact index's file: "VSXI" + u32 version 1 + i64 n + i64 dim, then n int64 ids, then n * dim halves.
constexpr char kExactMagic[4] = {'V', 'S', 'X', 'I'};
constexpr size_t kExactHeader = 24;
}  // namespace

VectorIndex VectorIndex::build_f16(std::vector<int64_t> ids, std::vector<uint16_t> rows, int64_t dim,
                                   const IndexParams& params, int threads) {
  check_index_params(params);
  if (params.kind != "exact") {
    std::vector<float> f(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) f[i] = half_to_float(rows[i]);
    rows = {};
    return build(ids, f.data(), dim, params, threads);
  }
  VectorIndex out;
  out.params_ = params;
  out.dim_ = dim;
  out.threads_ = threads;
  out.rebuilt_ = true;
  out.own_ids_ = std::move(ids);
  out.own_rows_ = std::move(rows);
  out.ids_ = out.own_ids_.data();
  out.rows_ = out.own_rows_.data();
  out.n_ = static_cast<int64_t>(out.own_ids_.size());
  return out;
}

VectorIndex VectorIndex::build(const std::vector<int64_t>& ids, const float* vectors, int64_t dim,
                               const IndexParams& params, int threads) {
  check_index_params(params);
  if (params.kind == "exact") {
    std::vector<uint16_t> rows(ids.size() * static_cast<size_t>(dim));
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = float_to_half(vectors[i]);
    return build_f16(ids, std::move(rows), dim, params, threads);
  }
  ScopedOmp omp(threads);
  const auto n = static_cast<int64_t>(ids.size());
  VectorIndex out;
  out.params_ = params;
  out.dim_ = dim;
  out.threads_ = threads;
  out.rebuilt_ = true;
  faiss::Index* inner = nullptr;
  try {
    if (params.kind == "flat") {
      inner = new faiss::IndexFlatIP(static_cast<int>(dim));
    } else if (params.kind == "hnsw") {
      auto* h = new faiss::IndexHNSWFlat(static_cast<int>(dim), params.hnsw_m, faiss::METRIC_INNER_PRODUCT);
      h->hnsw.efConstruction = params.ef_construction;
      inner = h;
    } else {
      const int nlist = params.nlist > 0 ? params.nlist : default_nlist(n);
      out.params_.nlist = nlist;
      auto* quantizer = new faiss::IndexFlatIP(static_cast<int>(dim));
      auto* ivf = new faiss::IndexIVFFlat(quantizer, static_cast<size_t>(dim), static_cast<size_t>(nlist),
                                          faiss::METRIC_INNER_PRODUCT);
      ivf->own_fields = true;
      ivf->cp.min_points_per_centroid = 1;  // the sample below is what there is: no warning for small libraries
      inner = ivf;
      if (n < nlist) {
        delete inner;
        throw Error(ErrorCode::kInvalidArgument, "an ivf index of " + std::to_string(nlist) + " clusters needs at least as many frames; the model has " +
                                                     std::to_string(n) + " (a smaller --nlist, or kind flat)");
      }
      // Training on at most 256 vectors per cluster, drawn with a fixed seed: the same library, the same index.
      const int64_t sample = std::min<int64_t>(n, int64_t{256} * nlist);
      std::vector<float> train(static_cast<size_t>(sample * dim));
      std::vector<int64_t> rows(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
      std::mt19937_64 rng(1234);
      std::shuffle(rows.begin(), rows.end(), rng);
      for (int64_t i = 0; i < sample; ++i) {
        std::memcpy(train.data() + i * dim, vectors + rows[static_cast<size_t>(i)] * dim, sizeof(float) * dim);
      }
      util::info("training the ivf index: " + std::to_string(nlist) + " clusters on " + std::to_string(sample) + " frames");
      ivf->train(sample, train.data());
    }
    auto* map = new faiss::IndexIDMap(inner);
    map->own_fields = true;
    out.index_.reset(map);
    constexpr int64_t kChunk = 16384;
    util::Progress progress("indexing frames", n);
    for (int64_t i = 0; i < n; i += kChunk) {
      const int64_t m = std::min(kChunk, n - i);
      map->add_with_ids(m, vectors + i * dim, ids.data() + i);
      progress.update(i + m);
      util::check_abort();
    }
    apply(out.index_.get(), out.params_);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::kOutOfMemory, "out of memory while building the vector index");
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, std::string("faiss: ") + e.what());
  }
  return out;
}

VectorIndex VectorIndex::open(Library& lib, const Model& model, const IndexParams& params, int threads) {
  const fs::path path = index_path(lib.path(), model.id);
  std::string why;
  if (index_is_current(lib, model, params, &why)) {
    try {
      VectorIndex out;
      out.params_ = params;
      out.dim_ = model.dim;
      out.threads_ = threads;
      const int64_t frames = lib.frame_count(model.id);
      if (params.kind == "exact") {
        out.mapped_ = std::make_shared<util::MappedFile>(path);
        const uint8_t* p = out.mapped_->data();
        int64_t n = 0, dim = 0;
        uint32_t version = 0;
        if (out.mapped_->size() >= kExactHeader) {
          std::memcpy(&version, p + 4, 4);
          std::memcpy(&n, p + 8, 8);
          std::memcpy(&dim, p + 16, 8);
        }
        if (out.mapped_->size() < kExactHeader || std::memcmp(p, kExactMagic, 4) != 0 || version != 1 || n != frames ||
            dim != model.dim ||
            out.mapped_->size() != kExactHeader + static_cast<size_t>(n) * 8 + static_cast<size_t>(n * dim) * 2) {
          throw std::runtime_error("not the index its record describes");
        }
        out.n_ = n;
        out.ids_ = reinterpret_cast<const int64_t*>(p + kExactHeader);  // 8-aligned: the map is page-aligned
        out.rows_ = reinterpret_cast<const uint16_t*>(p + kExactHeader + static_cast<size_t>(n) * 8);
        return out;
      }
      out.index_.reset(faiss::read_index(path.c_str()));
      if (id_map(out.index_.get()) == nullptr || out.index_->d != model.dim || out.index_->ntotal != frames) {
        throw std::runtime_error("not the index its record describes");
      }
      apply(out.index_.get(), params);
      return out;
    } catch (const std::exception& e) {
      why = std::string("it cannot be read: ") + e.what();
    }
  }
  util::debug("rebuilding the vector index of model " + std::to_string(model.id) + ": " + why);
  std::vector<int64_t> ids;
  std::vector<uint16_t> rows;
  {
    Stmt s(lib.db(), "SELECT id, n_frames, dim, vectors FROM frame_sets WHERE model_id = ? ORDER BY id");
    s.bind(1, model.id);
    while (s.step()) {
      const int64_t set = s.integer(0), n = s.integer(1), dim = s.integer(2);
      const std::string_view blob = s.blob(3);
      if (dim != model.dim || blob.size() != static_cast<size_t>(n * dim) * 2) {
        throw Error(ErrorCode::kIo, "the library " + lib.path().string() + " is damaged: frame set " +
                                        std::to_string(set) + " has sizes that do not match (vidscribe library check)");
      }
      const size_t base = rows.size();
      rows.resize(base + static_cast<size_t>(n * dim));
      std::memcpy(rows.data() + base, blob.data(), blob.size());
      for (int64_t r = 0; r < n; ++r) ids.push_back(frame_id(set, r));
    }
  }
  VectorIndex out = build_f16(std::move(ids), std::move(rows), model.dim, params, threads);
  const nlohmann::json record = expected_record(lib, model, params);
  try {
    std::error_code ec;
    fs::create_directories(index_dir(lib.path()), ec);
    out.save(path, record.dump());
  } catch (const Error& e) {
    util::warn(std::string("the vector index is not saved (it is rebuilt next time): ") + e.what());
  }
  return out;
}

void VectorIndex::save(const fs::path& path, const std::string& record_json) const {
  // The index, then its record: a record never describes an index that is not there (a record left from an
  // earlier index fails the frame count or generation check, or read_index's).
  if (params_.kind == "exact") {
    util::AtomicFile f(path);
    char header[kExactHeader] = {};
    std::memcpy(header, kExactMagic, 4);
    const uint32_t version = 1;
    std::memcpy(header + 4, &version, 4);
    std::memcpy(header + 8, &n_, 8);
    std::memcpy(header + 16, &dim_, 8);
    f.write(std::string_view(header, kExactHeader));
    f.write(std::string_view(reinterpret_cast<const char*>(ids_), static_cast<size_t>(n_) * 8));
    f.write(std::string_view(reinterpret_cast<const char*>(rows_), static_cast<size_t>(n_ * dim_) * 2));
    f.commit();
    util::write_file_atomic(record_path(path), record_json);
    return;
  }
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  try {
    faiss::write_index(index_.get(), tmp.c_str());
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error(ErrorCode::kIo, "cannot write " + path.string() + ": " + e.what());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(ErrorCode::kIo, "cannot write " + path.string() + ": " + ec.message());
  }
  util::write_file_atomic(record_path(path), record_json);
}

std::vector<std::pair<int64_t, float>> VectorIndex::search(const float* query, int64_t k) const {
  std::vector<std::pair<int64_t, float>> out;
  const int64_t n = size();
  k = std::min(k, n);
  if (k <= 0) return out;
  if (params_.kind == "exact") {
    out = top_k_f16(rows_, n_, dim_, query, k, std::max(1, threads_));
    for (auto& hit : out) hit.first = ids_[hit.first];
    return out;
  }
  ScopedOmp omp(threads_);
  std::vector<float> scores(static_cast<size_t>(k));
  std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(k));
  try {
    index_->search(1, query, k, scores.data(), labels.data());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, std::string("faiss: ") + e.what());
  }
  for (int64_t i = 0; i < k; ++i) {
    if (labels[static_cast<size_t>(i)] >= 0) out.emplace_back(labels[static_cast<size_t>(i)], scores[static_cast<size_t>(i)]);
  }
  return out;
}

int64_t VectorIndex::size() const { return index_ ? index_->ntotal : n_; }

}  // namespace vidscribe::library
