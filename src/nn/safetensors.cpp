#include "nn/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::nn {
namespace {
// Real checkpoints have headers of a few hundred KiB; anything beyond this is not a model file.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DtypeEntry {
  const char* name;
  size_t size;
  torch::ScalarType type;
};
constexpr DtypeEntry kDtypes[] = {
    {"F64", 8, torch::kFloat64}, {"F32", 4, torch::kFloat32}, {"F16", 2, torch::kFloat16},
    {"BF16", 2, torch::kBFloat16}, {"I64", 8, torch::kInt64},  {"I32", 4, torch::kInt32},
    {"I16", 2, torch::kInt16},     {"I8", 1, torch::kInt8},     {"U8", 1, torch::kUInt8},
    {"BOOL", 1, torch::kBool},
};

const DtypeEntry* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const DtypeEntry* find_dtype(torch::ScalarType t) {
  for (const auto& d : kDtypes) {
    if (t == d.type) return &d;
  }
  return nullptr;
}
}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  const DtypeEntry* d = find_dtype(dtype);
  return d != nullptr ? d->size : 0;
}

SafeTensors::~SafeTensors() = default;
SafeTensors::SafeTensors(SafeTensors&&) noexcept = default;

SafeTensors::SafeTensors(const std::filesystem::path& path) : path_(path) {
  file_ = std::make_unique<util::MappedFile>(path);
  const std::string where = path.string();
  auto corrupt = [&](const std::string& why) {
    return Error(ErrorCode::kCorruptModel, "invalid safetensors file " + where + ": " + why);
  };
  const uint64_t size = file_->size();
  if (size < 8) throw corrupt("shorter than its 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= uint64_t(file_->data()[i]) << (8 * i);
  if (header_len > kMaxHeaderBytes) {
    throw corrupt("header length " + std::to_string(header_len) + " exceeds the limit of " +
                  std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_len > size - 8) {
    throw corrupt("header length " + std::to_string(header_len) + " runs past the end of the file (" +
                  std::to_string(size) + " bytes)");
  }
  data_offset_ = 8 + header_len;
  const uint64_t data_size = size - data_offset_;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(reinterpret_cast<const char*>(file_->data() + 8),
                                   reinterpret_cast<const char*>(file_->data() + 8 + header_len));
  } catch (const nlohmann::json::exception& e) {
    throw corrupt(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw corrupt("header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw corrupt("__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& why) { return corrupt("tensor '" + name + "': " + why); };
    if (!v.is_object()) throw bad("entry is not an object");
    if (!v.contains("dtype") || !v["dtype"].is_string()) throw bad("missing dtype");
    if (!v.contains("shape") || !v["shape"].is_array()) throw bad("missing shape");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2) {
      throw bad("missing data_offsets [begin, end]");
    }
    TensorInfo info;
    info.dtype = v["dtype"].get<std::string>();
    const DtypeEntry* dt = find_dtype(info.dtype);
    if (dt == nullptr) throw bad("unsupported dtype " + info.dtype);
    uint64_t numel = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) throw bad("shape has a negative or non-integer dimension");
      uint64_t dim = d.get<uint64_t>();
      if (dim > uint64_t(std::numeric_limits<int64_t>::max()) || (dim != 0 && numel > UINT64_MAX / dim)) {
        throw bad("shape overflows");
      }
      numel *= dim;
      info.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const auto& o : v["data_offsets"]) {
      if (!o.is_number_unsigned()) throw bad("data_offsets are not non-negative integers");
    }
    info.begin = v["data_offsets"][0].get<uint64_t>();
    info.end = v["data_offsets"][1].get<uint64_t>();
    if (info.begin > info.end) throw bad("data_offsets are reversed");
    if (info.end > data_size) {
      throw bad("byte range [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
                ") runs past the data section (" + std::to_string(data_size) + " bytes)");
    }
    if (numel > UINT64_MAX / dt->size || numel * dt->size != info.end - info.begin) {
      throw bad("byte range holds " + std::to_string(info.end - info.begin) + " bytes but " + info.dtype +
                " x shape needs " + std::to_string(numel * dt->size));
    }
    tensors_[name] = std::move(info);
  }

  std::vector<const std::pair<const std::string, TensorInfo>*> by_offset;
  for (const auto& kv : tensors_) by_offset.push_back(&kv);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->second.begin < b->second.begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto& prev = by_offset[i - 1]->second;
    const auto& cur = by_offset[i]->second;
    if (cur.begin < prev.end && cur.begin != cur.end && prev.begin != prev.end) {
      throw corrupt("tensors '" + by_offset[i - 1]->first + "' and '" + by_offset[i]->first + "' overlap");
    }
  }
}

const TensorInfo& SafeTensors::info(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    throw Error(ErrorCode::kCorruptModel, "tensor '" + name + "' not found in " + path_.string());
  }
  return it->second;
}

torch::Tensor SafeTensors::load(const std::string& name, torch::ScalarType dtype) const {
  const TensorInfo& ti = info(name);
  const DtypeEntry* dt = find_dtype(ti.dtype);
  // Copy out of the mapping (which may be unaligned) into a tensor of the stored type, then convert.
  torch::Tensor raw = torch::empty(ti.shape, torch::TensorOptions().dtype(dt->type));
  if (ti.end > ti.begin) std::memcpy(raw.data_ptr(), file_->data() + data_offset_ + ti.begin, ti.end - ti.begin);
  return raw.scalar_type() == dtype ? raw : raw.to(dtype);
}

void write_safetensors(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    const DtypeEntry* dt = find_dtype(c.scalar_type());
    if (dt == nullptr) throw Error(ErrorCode::kInvalidArgument, "cannot store dtype of tensor " + name);
    uint64_t begin = data.size();
    data.append(static_cast<const char*>(c.data_ptr()), c.numel() * dt->size);
    header[name] = {{"dtype", dt->name}, {"shape", c.sizes().vec()}, {"data_offsets", {begin, data.size()}}};
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  out += data;
  util::write_file_atomic(path, out);
}

}  // namespace vidscribe::nn
