// Pieces the transformer models share: fused linear layers, activations, attention, config and folder checks.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vidscribe::nn {
class SafeTensors;
}

namespace vidscribe::nn::detail {

// A tensor the config implies: its name in the weight file (without the prefixes a file may add) and shape.
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
};

// Checks, before any module is built, that the weight file holds the tensors the config implies with the
// shapes it implies, and no layer beyond the config's count (`absent`: names that must not be there). A
// config whose sizes are absurd would otherwise allocate gigabytes (or fail inside libtorch) before the
// weights are read. `prefixes`: what a file may put before every name ("transformer."). Throws
// kCorruptModel naming the config and the first mismatch.
void check_config_against_weights(const SafeTensors& file, const std::vector<ExpectedTensor>& expected,
                                  const std::vector<std::string>& absent, const std::vector<std::string>& prefixes,
                                  const std::filesystem::path& config);

// x: [..., in] -> [..., out] = x W^T + b, with W [out, in] (torch.nn.Linear layout); b may be undefined.
// One addmm over the flattened rows: no transposed copy of W, no separate bias add.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// x: [..., in] -> [..., out] = x W + b, with W [in, out] (GPT-2's Conv1D layout).
torch::Tensor conv1d_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

enum class Activation {
  kQuickGelu,  // x * sigmoid(1.702 x): CLIP
  kGelu,       // exact erf GELU
  kGeluTanh,   // tanh approximation: GPT-2's gelu_new
  kRelu,
};

// A Hugging Face activation name ("quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu").
// Throws kCorruptModel naming `config` for any other name.
Activation parse_activation(const std::string& name, const std::filesystem::path& config);

torch::Tensor activate(const torch::Tensor& x, Activation act);

// [B, T, H*Dh] -> [B, H, T, Dh] (a view).
torch::Tensor split_heads(const torch::Tensor& x, int64_t n_heads);
// [B, H, T, Dh] -> [B, T, H*Dh] (contiguous).
torch::Tensor merge_heads(const torch::Tensor& x);

// Additive attention mask: 0 where key position <= query position, -inf elsewhere.
// query_pos: [..., Tq, 1] int64, key_pos: [Tk] int64 -> [..., Tq, Tk] of `dtype`.
torch::Tensor causal_mask(const torch::Tensor& query_pos, const torch::Tensor& key_pos, torch::ScalarType dtype);

// While alive, torch's own element-wise work runs on one thread and the BLAS library's thread pool gets the
// threads torch had (restored on destruction), when the BLAS keeps its own pool (OpenBLAS built with
// pthreads, Debian's default). Why: the models' work is matrix products (BLAS threads) plus many small
// element-wise operations; every parallel one makes torch's OpenMP threads meet at a barrier, and while other
// programs keep the cores busy the spinning waits cost far more than the operations (a captioning token step on
// 2 loaded cores: 17.8 s with 2 OpenMP threads, 1.8 s with 1, the same products on 2 BLAS threads). Does nothing
// with MKL (whose threads are torch's), OpenMP-built OpenBLAS or one thread; a guard inside another does
// nothing. The CLIP encoders and GPT-2's hidden_states hold one on CPU inputs; the captioning step holds one
// around forward and backward. Changes process-wide settings: other threads using torch meanwhile are affected
// too.
class BlasThreadsOnly {
 public:
  // enable false: does nothing (e.g. when the work runs on a GPU).
  explicit BlasThreadsOnly(bool enable = true);
  ~BlasThreadsOnly();
  BlasThreadsOnly(const BlasThreadsOnly&) = delete;
  BlasThreadsOnly& operator=(const BlasThreadsOnly&) = delete;

 private:
  int torch_threads_ = 0;  // > 0 when changed: torch's intra-op threads before
  int blas_threads_ = 0;   // the BLAS pool's size before
};

// Throws kNotFound when `dir` is not a folder or lacks one of `files` (naming the first missing one).
void require_model_files(const std::filesystem::path& dir, const std::vector<std::string>& files,
                         const std::string& what);

// Parses a JSON file; throws kCorruptModel naming the file when it does not parse or is not an object.
nlohmann::json read_json_object(const std::filesystem::path& path);

// json[key] as T, or `fallback` when absent or null; throws kCorruptModel naming `path` and `key` when the
// value has the wrong type.
template <typename T>
T json_value(const nlohmann::json& json, const std::string& key, const T& fallback,
             const std::filesystem::path& path);

}  // namespace vidscribe::nn::detail
