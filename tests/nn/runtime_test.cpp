// Thread settings: --threads reaches libtorch and, where it keeps its own pool, the BLAS library.
#include "nn/runtime.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "nn/models/common.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {

TEST(Runtime, SetThreadsReachesTorchAndTheBlasPool) {
  const int torch_before = at::get_num_threads();
  const int blas_before = blas_pool_threads();
  for (int n : {1, 2}) {
    set_threads(n);
    EXPECT_EQ(at::get_num_threads(), n);
    // Debian's libopenblas0-pthread keeps its own pool; with another BLAS there is none to set.
    if (blas_before > 0) EXPECT_EQ(blas_pool_threads(), n);
    else EXPECT_EQ(blas_pool_threads(), 0);
  }
  at::set_num_threads(torch_before);
  if (blas_before > 0) set_blas_pool_threads(blas_before);
}

TEST(Runtime, BlasThreadsOnlyLendsTorchsThreadsToTheBlasPoolWhileAlive) {
  const int torch_before = at::get_num_threads();
  const int blas_before = blas_pool_threads();
  if (blas_before == 0) GTEST_SKIP() << "this libtorch's BLAS keeps no thread pool of its own";
  set_threads(2);
  {
    const detail::BlasThreadsOnly outer;
    EXPECT_EQ(at::get_num_threads(), 1);
    EXPECT_EQ(blas_pool_threads(), 2);
    {
      const detail::BlasThreadsOnly inner;  // nested (a model call inside the captioning step): no change
      EXPECT_EQ(at::get_num_threads(), 1);
      EXPECT_EQ(blas_pool_threads(), 2);
    }
    EXPECT_EQ(at::get_num_threads(), 1);
  }
  EXPECT_EQ(at::get_num_threads(), 2);
  EXPECT_EQ(blas_pool_threads(), 2);
  {
    const detail::BlasThreadsOnly off(false);  // e.g. work on a GPU
    EXPECT_EQ(at::get_num_threads(), 2);
  }
  at::set_num_threads(torch_before);
  set_blas_pool_threads(blas_before);
}

TEST(Runtime, DeviceNamesAreChecked) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(parse_device("tpu"), Error);
  EXPECT_THROW(parse_device("cuda:x"), Error);
}

}  // namespace
}  // namespace vidscribe::nn
