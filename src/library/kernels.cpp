#include "library/kernels.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <functional>
#include <queue>

#include "library/half.h"

namespace vidscribe::library {

namespace {

const std::array<float, 65536>& half_table() {
  static const std::array<float, 65536> table = [] {
    std::array<float, 65536> t{};
    for (uint32_t i = 0; i < 65536; ++i) t[i] = half_to_float(static_cast<uint16_t>(i));
    return t;
  }();
  return table;
}

void scalar_rows(const uint16_t* rows, int64_t n, int64_t dim, const float* q, float* out) {
  const std::array<float, 65536>& t = half_table();
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t* r = rows + i * dim;
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t j = 0;
    for (; j + 4 <= dim; j += 4) {
      s0 += t[r[j]] * q[j];
      s1 += t[r[j + 1]] * q[j + 1];
      s2 += t[r[j + 2]] * q[j + 2];
      s3 += t[r[j + 3]] * q[j + 3];
    }
    for (; j < dim; ++j) s0 += t[r[j]] * q[j];
    out[i] = (s0 + s1) + (s2 + s3);
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c"))) void simd_rows(const uint16_t* rows, int64_t n, int64_t dim, const float* q,
                                                        float* out) {
  const std::array<float, 65536>& t = half_table();
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t* r = rows + i * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= dim; j += 16) {
      const __m256 x0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + j)));
      const __m256 x1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + j + 8)));
      a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q + j), a0);
      a1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q + j + 8), a1);
    }
    const __m256 s = _mm256_add_ps(a0, a1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_hadd_ps(h, h);
    h = _mm_hadd_ps(h, h);
    float sum = _mm_cvtss_f32(h);
    for (; j < dim; ++j) sum += t[r[j]] * q[j];
    out[i] = sum;
  }
}

bool cpu_has_simd() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return has;
}
#endif

void rows_dot(const uint16_t* rows, int64_t n, int64_t dim, const float* q, float* out) {
#if defined(__x86_64__)
  if (cpu_has_simd()) return simd_rows(rows, n, dim, q, out);
#endif
  scalar_rows(rows, n, dim, q, out);
}

using Hit = std::pair<float, int64_t>;  // score, row
// Better: higher score, then lower row.
struct Worse {
  bool operator()(const Hit& a, const Hit& b) const { return a.first > b.first || (a.first == b.first && a.second < b.second); }
};

}  // namespace

bool simd_kernels() {
#if defined(__x86_64__)
  return cpu_has_simd();
#else
  return false;
#endif
}

void inner_products_f16(const uint16_t* rows, int64_t n, int64_t dim, const float* q, float* out) {
  rows_dot(rows, n, dim, q, out);
}

std::vector<std::pair<int64_t, float>> top_k_f16(const uint16_t* rows, int64_t n, int64_t dim, const float* q,
                                                 int64_t k, int threads) {
  k = std::min(k, n);
  std::vector<std::pair<int64_t, float>> out;
  if (k <= 0) return out;
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n / 4096 + 1)));
  std::vector<std::vector<Hit>> best(static_cast<size_t>(parts));
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (int p = 0; p < parts; ++p) {
    const int64_t begin = n * p / parts, end = n * (p + 1) / parts;
    // A min-heap of the k best so far (its top the worst of them), fed block by block.
    std::priority_queue<Hit, std::vector<Hit>, Worse> heap;
    constexpr int64_t kBlock = 1024;
    float scores[kBlock];
    for (int64_t b = begin; b < end; b += kBlock) {
      const int64_t m = std::min(kBlock, end - b);
      rows_dot(rows + b * dim, m, dim, q, scores);
      for (int64_t i = 0; i < m; ++i) {
        const Hit h{scores[i], b + i};
        if (static_cast<int64_t>(heap.size()) < k) {
          heap.push(h);
        } else if (Worse()(h, heap.top())) {
          heap.pop();
          heap.push(h);
        }
      }
    }
    std::vector<Hit>& mine = best[static_cast<size_t>(p)];
    while (!heap.empty()) {
      mine.push_back(heap.top());
      heap.pop();
    }
  }
  std::vector<Hit> all;
  for (const auto& b : best) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end(), Worse());
  if (static_cast<int64_t>(all.size()) > k) all.resize(static_cast<size_t>(k));
  for (const Hit& h : all) out.emplace_back(h.second, h.first);
  return out;
}

}  // namespace vidscribe::library
