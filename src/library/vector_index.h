// The vector index of one CLIP model's frames: FAISS, kept in a file beside the database
// (<library>.index/model-<id>.index + .index.json) and never trusted: it is used only when its record names this
// library, this model's generation and frame count and the kind asked for; otherwise it is rebuilt from the
// database (the source of truth) and saved again, atomically.
//
// Kinds (`vidscribe library index --kind`):
//   exact exact inner product over the stored float16 vectors, scanned with AVX2/F16C on all threads; the
//         file is the matrix itself, memory-mapped; the default
//   flat  exact inner product through FAISS (IndexFlatIP in an IndexIDMap; float32)
//   ivf   IndexIVFFlat: nlist clusters (default 4 sqrt(N) rounded to a power of two, in [16, 65536]), nprobe
//         of them searched (default 32); trained on up to 256 vectors per cluster
//   hnsw  IndexHNSWFlat: M links per node (default 32), efConstruction 64, efSearch (default 256)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "library/library.h"

namespace faiss {
struct Index;
}

namespace vidscribe::util {
class MappedFile;
}

namespace vidscribe::library {

struct IndexParams {
  std::string kind = "exact";  // exact, flat, ivf or hnsw
  int nlist = 0;              // ivf; 0: 4 sqrt(N) as a power of two
  int nprobe = 32;            // ivf
  int hnsw_m = 32;            // hnsw
  int ef_construction = 64;   // hnsw
  int ef_search = 256;        // hnsw
};
// As the library stores them (the model's row in index_params); throws kInvalidArgument for a bad kind/value.
std::string to_json(const IndexParams& p);
IndexParams index_params_from_json(const std::string& json);
void check_index_params(const IndexParams& p);

// The index kind a model uses in this library (set by `library index`; exact when never set).
IndexParams stored_index_params(Library& lib, int64_t model_id);
void store_index_params(Library& lib, int64_t model_id, const IndexParams& p);

std::filesystem::path index_dir(const std::filesystem::path& library_path);
std::filesystem::path index_path(const std::filesystem::path& library_path, int64_t model_id);

// Whether the saved index of a model is in step with the database; `why` says why not.
bool index_is_current(Library& lib, const Model& model, const IndexParams& params, std::string* why);

class VectorIndex {
 public:
  // Loads the model's index if it is current, else builds it from the database (reporting progress) and
  // saves it (a library that cannot be written to keeps the built index in memory only, with a warning).
  static VectorIndex open(Library& lib, const Model& model, const IndexParams& params, int threads);
  // Builds from vectors given here (for benchmarks): ids[i] names row i of `vectors` ([n, dim]).
  static VectorIndex build(const std::vector<int64_t>& ids, const float* vectors, int64_t dim,
                           const IndexParams& params, int threads);
  // The same from float16 rows (what the database stores).
  static VectorIndex build_f16(std::vector<int64_t> ids, std::vector<uint16_t> rows, int64_t dim,
                               const IndexParams& params, int threads);

  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;
  ~VectorIndex();

  // The k best frames for a unit query vector of the model's dimension: (frame id, inner product), best first.
  std::vector<std::pair<int64_t, float>> search(const float* query, int64_t k) const;
  int64_t size() const;
  int64_t dim() const { return dim_; }
  bool rebuilt() const { return rebuilt_; }
  void save(const std::filesystem::path& path, const std::string& record_json) const;

 private:
  VectorIndex() = default;
  std::unique_ptr<faiss::Index> index_;  // flat, ivf, hnsw
  // exact: ids and float16 rows, owned or in a mapped file
  std::vector<int64_t> own_ids_;
  std::vector<uint16_t> own_rows_;
  std::shared_ptr<util::MappedFile> mapped_;
  const int64_t* ids_ = nullptr;
  const uint16_t* rows_ = nullptr;
  int64_t n_ = 0;
  IndexParams params_;
  int64_t dim_ = 0;
  int threads_ = 1;
  bool rebuilt_ = false;
};

}  // namespace vidscribe::library
