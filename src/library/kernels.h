// The exact search's inner loop: a float32 query against rows of float16 vectors, with AVX2 + F16C + FMA
// where the CPU has them (checked once at run time; the build stays generic x86-64) and a table-driven
// scalar loop elsewhere. Both give the same ranking; sums may differ in the last bits (summation order).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace vidscribe::library {

// out[i] = <rows[i], q> for n rows of `dim` halves.
void inner_products_f16(const uint16_t* rows, int64_t n, int64_t dim, const float* q, float* out);

// The k rows with the largest inner product with q, as (row, score), best first (ties: lower row first),
// the rows split over `threads` threads.
std::vector<std::pair<int64_t, float>> top_k_f16(const uint16_t* rows, int64_t n, int64_t dim, const float* q,
                                                 int64_t k, int threads);

// Whether the vector unit path is in use (for benchmarks' reports).
bool simd_kernels();

}  // namespace vidscribe::library
