#include "nn/weights.h"

#include <torch/torch.h>

#include <map>
#include <set>
#include <sstream>

#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {
std::string shape_str(c10::IntArrayRef s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string list_some(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 5) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}
}  // namespace

void load_weights(torch::nn::Module& module, const SafeTensors& file, const LoadOptions& options) {
  const std::string what = options.model_description.empty() ? "the model" : options.model_description;
  // Checkpoint key after prefix stripping -> stored key.
  std::map<std::string, std::string> keys;
  for (const auto& kv : file.tensors()) {
    std::string k = kv.first;
    for (const auto& p : options.strip_prefixes) {
      if (k.rfind(p, 0) == 0) {
        k = k.substr(p.size());
        break;
      }
    }
    keys.emplace(k, kv.first);
  }

  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value();
  std::set<std::string> computed(options.computed_buffers.begin(), options.computed_buffers.end());
  for (const auto& b : module.named_buffers(true)) {
    if (computed.count(b.key()) == 0) targets[b.key()] = b.value();
  }

  std::vector<std::string> missing;
  for (const auto& [name, target] : targets) {
    if (keys.count(name) == 0) missing.push_back(name);
  }
  if (!missing.empty()) {
    throw Error(ErrorCode::kCorruptModel, file.path().string() + " lacks weights that " + what + " needs: " +
                                              list_some(missing));
  }

  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, target] : targets) {
    const std::string& stored = keys.at(name);
    const TensorInfo& info = file.info(stored);
    if (c10::IntArrayRef(info.shape) != target.sizes()) {
      throw Error(ErrorCode::kCorruptModel, file.path().string() + ": tensor '" + stored + "' has shape " +
                                                shape_str(info.shape) + " but " + what + " expects " +
                                                shape_str(target.sizes()));
    }
    torch::Tensor value = file.load(stored, target.scalar_type());
    // A NaN or infinity in a frozen weight makes every output NaN, which would surface far away (a
    // caption blaming the video, embed-text printing null): refuse it here, naming the tensor.
    if (value.is_floating_point() && !torch::isfinite(value).all().item<bool>()) {
      throw Error(ErrorCode::kCorruptModel, file.path().string() + ": tensor '" + stored +
                                                "' holds values that are not finite numbers (NaN or infinity)");
    }
    target.copy_(value);
    used.insert(name);
  }
  for (auto& p : module.parameters(true)) p.set_requires_grad(false);

  std::vector<std::string> unknown;
  for (const auto& [k, stored] : keys) {
    if (used.count(k) != 0) continue;
    bool ignored = false;
    for (const auto& s : options.ignore_suffixes) ignored = ignored || ends_with(k, s);
    if (!ignored) unknown.push_back(stored);
  }
  if (!unknown.empty()) {
    throw Error(ErrorCode::kCorruptModel, file.path().string() + " holds weights that " + what +
                                              " does not have (wrong model type or config?): " + list_some(unknown));
  }
}

}  // namespace vidscribe::nn
