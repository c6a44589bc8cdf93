// The safetensors layout check (header length, JSON, dtypes, shapes, byte ranges) and loading every tensor.
#include <torch/torch.h>

#include "harness.h"
#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = vidscribe::fuzz::as_file(std::string_view(reinterpret_cast<const char*>(data), size),
                                             "model.safetensors");
  vidscribe::fuzz::run([&] {
    vidscribe::nn::SafeTensors file(path);
    for (const auto& [name, info] : file.tensors()) {
      if (info.dtype == "F32" || info.dtype == "F16" || info.dtype == "BF16") file.load(name, torch::kFloat32);
    }
  });
  return 0;
}
