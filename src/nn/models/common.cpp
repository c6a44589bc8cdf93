#include "nn/models/common.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "nn/runtime.h"
#include "util/fs.h"
#include "vidscribe/error.h"
#include "nn/safetensors.h"
#include "util/json_excerpt.h"

namespace vidscribe::nn::detail {
namespace fs = std::filesystem;

namespace {
torch::Tensor fused_rows(const torch::Tensor& x, const torch::Tensor& w_in_out, const torch::Tensor& bias) {
  const int64_t in = x.size(-1);
  std::vector<int64_t> out_sizes = x.sizes().vec();
  out_sizes.back() = w_in_out.size(1);
  torch::Tensor rows = x.reshape({-1, in});
  torch::Tensor y = bias.defined() ? torch::addmm(bias, rows, w_in_out) : torch::mm(rows, w_in_out);
  return y.view(out_sizes);
}
}  // namespace

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  // W.t() is a transposed view; BLAS reads it in place.
  return fused_rows(x, weight.t(), bias);
}

torch::Tensor conv1d_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return fused_rows(x, weight, bias);
}

Activation parse_activation(const std::string& name, const fs::path& config) {
  if (name == "quick_gelu") return Activation::kQuickGelu;
  if (name == "gelu") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::kGeluTanh;
  if (name == "relu") return Activation::kRelu;
  throw Error(ErrorCode::kCorruptModel, config.string() + ": unsupported activation function '" + name + "'");
}

torch::Tensor activate(const torch::Tensor& x, Activation act) {
  switch (act) {
    case Activation::kQuickGelu:
      if (!torch::GradMode::is_enabled()) {  // frozen work: one temporary instead of three
        torch::Tensor y = x * 1.702;
        return y.sigmoid_().mul_(x);
      }
      return x * torch::sigmoid(x * 1.702);
    case Activation::kGelu:
      return torch::gelu(x);
    case Activation::kGeluTanh:
      return torch::gelu(x, "tanh");
    case Activation::kRelu:
      return torch::relu(x);
  }
  throw Error(ErrorCode::kInternal, "unknown activation");
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t n_heads) {
  return x.view({x.size(0), x.size(1), n_heads, x.size(2) / n_heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

BlasThreadsOnly::BlasThreadsOnly(bool enable) {
  const int pool = enable ? blas_pool_threads() : 0;
  const int threads = at::get_num_threads();
  if (pool == 0 || threads <= 1) return;
  torch_threads_ = threads;
  blas_threads_ = pool;
  at::set_num_threads(1);
  set_blas_pool_threads(threads);
}

BlasThreadsOnly::~BlasThreadsOnly() {
  if (torch_threads_ == 0) return;
  at::set_num_threads(torch_threads_);
  set_blas_pool_threads(blas_threads_);
}

torch::Tensor causal_mask(const torch::Tensor& query_pos, const torch::Tensor& key_pos, torch::ScalarType dtype) {
  torch::Tensor future = key_pos.gt(query_pos);
  return torch::zeros(future.sizes(), torch::TensorOptions().dtype(dtype).device(future.device()))
      .masked_fill_(future, -std::numeric_limits<double>::infinity());
}

void require_model_files(const fs::path& dir, const std::vector<std::string>& files, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorCode::kNotFound, what + " model folder " + dir.string() + " does not exist");
  }
  for (const auto& f : files) {
    if (!fs::is_regular_file(dir / f, ec)) {
      throw Error(ErrorCode::kNotFound, what + " model folder " + dir.string() + " lacks " + f);
    }
  }
}

nlohmann::json read_json_object(const fs::path& path) {
  nlohmann::json json = nlohmann::json::parse(util::read_file(path), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    throw Error(ErrorCode::kCorruptModel, path.string() + " is not a JSON object");
  }
  return json;
}

template <typename T>
T json_value(const nlohmann::json& json, const std::string& key, const T& fallback, const fs::path& path) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::kCorruptModel, path.string() + ": '" + key + "' has the wrong type: " + util::json_excerpt(*it));
  }
}

template int64_t json_value<int64_t>(const nlohmann::json&, const std::string&, const int64_t&, const fs::path&);
template double json_value<double>(const nlohmann::json&, const std::string&, const double&, const fs::path&);
template std::string json_value<std::string>(const nlohmann::json&, const std::string&, const std::string&,
                                             const fs::path&);

namespace {
std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const TensorInfo* find_tensor(const SafeTensors& file, const std::string& name, const std::vector<std::string>& prefixes) {
  if (file.contains(name)) return &file.info(name);
  for (const auto& p : prefixes) {
    if (file.contains(p + name)) return &file.info(p + name);
  }
  return nullptr;
}
}  // namespace

void check_config_against_weights(const SafeTensors& file, const std::vector<ExpectedTensor>& expected,
                                  const std::vector<std::string>& absent, const std::vector<std::string>& prefixes,
                                  const fs::path& config) {
  for (const auto& e : expected) {
    const TensorInfo* info = find_tensor(file, e.name, prefixes);
    if (info == nullptr) {
      throw Error(ErrorCode::kCorruptModel, config.string() + " does not match " + file.path().string() + ": it implies " +
                                                e.name + " " + shape_text(e.shape) + ", which the weights do not have");
    }
    if (info->shape != e.shape) {
      throw Error(ErrorCode::kCorruptModel, config.string() + " does not match " + file.path().string() + ": it implies " +
                                                e.name + " " + shape_text(e.shape) + ", the weights hold " +
                                                shape_text(info->shape));
    }
  }
  for (const auto& name : absent) {
    if (find_tensor(file, name, prefixes) != nullptr) {
      throw Error(ErrorCode::kCorruptModel, config.string() + " does not match " + file.path().string() +
                                                ": the weights have more layers than it says (" + name + ")");
    }
  }
}

}  // namespace vidscribe::nn::detail
