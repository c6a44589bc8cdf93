#include "caption/clip_adapter.h"

#include <algorithm>

namespace vidscribe::caption {

namespace {

torch::Tensor normalise_rows(const torch::Tensor& x) {
  return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

// rows of ids -> [N, L] int64 right-padded with 0 (CLIP pools at the end token, so padding is never read).
torch::Tensor padded(const std::vector<std::vector<int64_t>>& rows, size_t from, size_t to) {
  size_t width = 1;
  for (size_t i = from; i < to; ++i) width = std::max(width, rows[i].size());
  auto out = torch::zeros({static_cast<int64_t>(to - from), static_cast<int64_t>(width)}, torch::kLong);
  auto* p = out.data_ptr<int64_t>();
  for (size_t i = from; i < to; ++i) std::copy(rows[i].begin(), rows[i].end(), p + (i - from) * width);
  return out;
}

}  // namespace

ClipImageText::ClipImageText(nn::ClipModel model, text::ClipTokenizer tokenizer)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), device_(torch::kCPU) {
  const auto params = model_->parameters();
  if (!params.empty()) device_ = params.front().device();
}

int64_t ClipImageText::dim() const { return model_->config().projection_dim; }

torch::Tensor ClipImageText::embed_frames(const torch::Tensor& pixels) {
  torch::NoGradGuard no_grad;
  const nn::detail::BlasThreadsOnly threads(device_.is_cpu());  // products on BLAS threads, the rest on one
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < pixels.size(0); i += kImageBatch) {
    const auto batch = pixels.slice(0, i, std::min(pixels.size(0), i + kImageBatch)).to(device_, torch::kFloat);
    out.push_back(normalise_rows(model_->encode_image(batch)));
  }
  if (out.empty()) return torch::zeros({0, dim()}, torch::TensorOptions().device(device_));
  return torch::cat(out);
}

torch::Tensor ClipImageText::encode_rows(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < rows.size(); i += kTextBatch) {
    const size_t end = std::min(rows.size(), i + kTextBatch);
    out.push_back(normalise_rows(model_->encode_text(padded(rows, i, end).to(device_))));
  }
  if (out.empty()) return torch::zeros({0, dim()}, torch::TensorOptions().device(device_));
  return torch::cat(out);
}

torch::Tensor ClipImageText::embed_texts(const std::vector<std::string>& texts) {
  torch::NoGradGuard no_grad;
  const nn::detail::BlasThreadsOnly threads(device_.is_cpu());  // products on BLAS threads, the rest on one
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(texts.size());
  for (const auto& t : texts) rows.push_back(tokenizer_.encode_for_model(t));
  return encode_rows(rows);
}

torch::Tensor ClipImageText::embed_continuations(const std::string& prefix,
                                                 const std::vector<std::string>& continuations) {
  torch::NoGradGuard no_grad;
  const nn::detail::BlasThreadsOnly threads(device_.is_cpu());  // products on BLAS threads, the rest on one
  const int64_t context = model_->config().text.max_position_embeddings;
  // The shared tokens: start + the complete words of the prefix. Its last word stays out, because a
  // continuation without a leading space changes that word's BPE.
  std::vector<int64_t> shared = {tokenizer_.sot_id()};
  const auto words = tokenizer_.split_words(tokenizer_.normalize(prefix));
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const auto ids = tokenizer_.encode_word(words[i]);
    shared.insert(shared.end(), ids.begin(), ids.end());
  }

  std::vector<std::vector<int64_t>> tails, full;
  std::vector<size_t> tail_index, full_index;
  for (size_t c = 0; c < continuations.size(); ++c) {
    auto ids = tokenizer_.encode_for_model(prefix + continuations[c], context);
    const bool shares = ids.size() > shared.size() && std::equal(shared.begin(), shared.end(), ids.begin()) &&
                        static_cast<int64_t>(ids.size()) < context;  // not truncated
    if (shares) {
      tails.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(shared.size()), ids.end());
      tail_index.push_back(c);
    } else {
      full.push_back(std::move(ids));
      full_index.push_back(c);
    }
  }

  auto out = torch::empty({static_cast<int64_t>(continuations.size()), dim()},
                          torch::TensorOptions().dtype(torch::kFloat).device(device_));
  if (!tails.empty()) {
    const auto prefix_cache = model_->encode_text_prefix(torch::tensor(shared, torch::kLong).to(device_));
    std::vector<torch::Tensor> parts;
    for (size_t i = 0; i < tails.size(); i += kTextBatch) {
      const size_t end = std::min(tails.size(), i + kTextBatch);
      std::vector<int64_t> lengths;
      for (size_t j = i; j < end; ++j) lengths.push_back(static_cast<int64_t>(tails[j].size()));
      parts.push_back(normalise_rows(model_->encode_text_tails(prefix_cache, padded(tails, i, end).to(device_),
                                                               torch::tensor(lengths, torch::kLong).to(device_))));
    }
    out.index_copy_(0, torch::tensor(std::vector<int64_t>(tail_index.begin(), tail_index.end()), torch::kLong).to(device_),
                    torch::cat(parts));
  }
  if (!full.empty()) {
    out.index_copy_(0, torch::tensor(std::vector<int64_t>(full_index.begin(), full_index.end()), torch::kLong).to(device_),
                    encode_rows(full));
  }
  return out;
}

}  // namespace vidscribe::caption
