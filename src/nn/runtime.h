// Where and how the models run: CPU threads and the torch device.
#pragma once

#include <torch/types.h>

#include <string>

namespace vidscribe::nn {

// Sets libtorch's intra-op thread count and, when libtorch's BLAS keeps its own thread pool, that pool's size
// too, so that --threads 1 means one thread for the matrix products as well; n <= 0 means every core
// (libtorch's own default here is 1, OpenBLAS's is every core).
void set_threads(int n);

// The size of the BLAS library's own thread pool: OpenBLAS built with pthreads (Debian's libopenblas0-pthread)
// when libtorch's BLAS is that; 0 with any other BLAS (MKL and OpenMP builds use torch's threads, the
// reference BLAS has none).
int blas_pool_threads();
// Sets that pool's size (n >= 1); does nothing without such a pool.
void set_blas_pool_threads(int n);

// "cpu", "cuda" or "cuda:N" -> a device. Throws kInvalidArgument for other names and when CUDA is asked
// for but this build of libtorch has no usable GPU.
torch::Device parse_device(const std::string& name);

}  // namespace vidscribe::nn
