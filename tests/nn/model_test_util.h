// Helpers shared by the model tests: golden arrays as tensors, model folders with one file changed.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "support/support.h"

namespace vidscribe::nn::test {

// A golden .npy as a tensor of `dtype` with the stored shape.
inline torch::Tensor npy_tensor(const std::filesystem::path& path, torch::ScalarType dtype) {
  testing::Npy npy = testing::read_npy(path);
  torch::Tensor t = torch::tensor(npy.values, torch::kDouble).view(npy.shape);
  return t.to(dtype);
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Copies every file of `from` into `to` (a fresh folder) except `skip`.
inline void copy_folder(const std::filesystem::path& from, const std::filesystem::path& to,
                        const std::string& skip = "") {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    if (entry.path().filename() == skip) continue;
    fs::copy_file(entry.path(), to / entry.path().filename());
  }
}

}  // namespace vidscribe::nn::test
