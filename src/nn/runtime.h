// Where and how the models run: CPU threads and the torch device.
#pragma once

#include <torch/types.h>

#include <string>

namespace vidscribe::nn {

// Sets libtorch's intra-op thread count; n <= 0 means every core (libtorch's own default here is 1).
void set_threads(int n);

// "cpu", "cuda" or "cuda:N" -> a device. Throws kInvalidArgument for other names and when CUDA is asked
// for but this build of libtorch has no usable GPU.
torch::Device parse_device(const std::string& name);

}  // namespace vidscribe::nn
