#include "nn/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <thread>

#include "vidscribe/error.h"

// OpenBLAS's thread controls, resolved at run time from the BLAS library libtorch loaded; null with another
// BLAS. openblas_get_parallel: 0 sequential, 1 pthreads, 2 OpenMP.
extern "C" int openblas_get_parallel() __attribute__((weak));
extern "C" int openblas_get_num_threads() __attribute__((weak));
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace vidscribe::nn {

int blas_pool_threads() {
  const bool own_pool = !at::hasMKL() && openblas_get_parallel != nullptr && openblas_get_num_threads != nullptr &&
                        openblas_set_num_threads != nullptr && openblas_get_parallel() == 1;
  return own_pool ? openblas_get_num_threads() : 0;
}

void set_blas_pool_threads(int n) {
  if (n >= 1 && blas_pool_threads() > 0) openblas_set_num_threads(n);
}

void set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  set_blas_pool_threads(n);
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--device " + name + ": no CUDA GPU is available to this build of libtorch; use --device cpu");
    }
    int index = 0;
    if (name.size() > 5) {
      try {
        size_t used = 0;
        index = std::stoi(name.substr(5), &used);
        if (used != name.size() - 5 || index < 0) throw std::invalid_argument("index");
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidArgument, "--device " + name + ": expected cuda:N with N a GPU index");
      }
      if (index >= static_cast<int>(torch::cuda::device_count())) {
        throw Error(ErrorCode::kInvalidArgument, "--device " + name + ": only " +
                                                     std::to_string(torch::cuda::device_count()) +
                                                     " CUDA device(s)");
      }
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw Error(ErrorCode::kInvalidArgument, "--device " + name + ": expected cpu, cuda or cuda:N");
}

}  // namespace vidscribe::nn
