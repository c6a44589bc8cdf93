// Reader for the safetensors format (Hugging Face): memory-mapped, validated before any tensor is touched.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vidscribe::util {
class MappedFile;
}

namespace vidscribe::nn {

struct TensorInfo {
  std::string dtype;           // as stored: "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0;          // byte range inside the data section
  uint64_t end = 0;
};

// An opened safetensors file. The constructor validates the whole layout: header length bounded and inside
// the file, JSON well formed, every entry with a known dtype, a shape and a byte range inside the data
// section that matches dtype x shape, and no two ranges overlapping. Any violation throws
// Error(kCorruptModel) naming the file and the entry; nothing is read out of bounds afterwards.
// Thread-safe for concurrent load() calls.
class SafeTensors {
 public:
  explicit SafeTensors(const std::filesystem::path& path);
  ~SafeTensors();
  SafeTensors(SafeTensors&&) noexcept;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const;  // throws kCorruptModel if absent
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // A fresh CPU tensor holding `name` converted to `dtype` (F16/BF16 -> float32 etc.).
  torch::Tensor load(const std::string& name, torch::ScalarType dtype) const;

 private:
  std::filesystem::path path_;
  std::unique_ptr<util::MappedFile> file_;
  uint64_t data_offset_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Bytes per element of a safetensors dtype name, or 0 if unknown.
size_t safetensors_dtype_size(const std::string& dtype);

// Writes tensors as a safetensors file (for tests and tools that make small models). Atomic.
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors);

}  // namespace vidscribe::nn
