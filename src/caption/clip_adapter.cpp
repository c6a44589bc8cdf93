#include "caption/clip_adapter.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

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


// Splits items of the given lengths into runs of similar length, each run padded to its longest: indices
// into `lengths`, shortest first. Minimises the padded positions plus kRunCost positions per run (a run
// costs a pass through every layer however few its rows), exactly, over runs of consecutive lengths.
std::vector<std::vector<size_t>> length_buckets(const std::vector<size_t>& lengths) {
  constexpr size_t kRunCost = 32;
  std::vector<size_t> order(lengths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  // best[i]: least cost of the first i items (sorted); a run covers sorted items [j, i) padded to the i-1th.
  const size_t n = order.size();
  std::vector<size_t> best(n + 1, 0), start(n + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    best[i] = std::numeric_limits<size_t>::max();
    for (size_t j = 0; j < i; ++j) {
      if (j > 0 && lengths[order[j]] == lengths[order[j - 1]]) continue;  // runs never split equal lengths
      const size_t cost = best[j] + (i - j) * lengths[order[i - 1]] + kRunCost;
      if (cost < best[i]) {
        best[i] = cost;
        start[i] = j;
      }
    }
  }
  std::vector<std::vector<size_t>> runs;
  for (size_t i = n; i > 0; i = start[i]) runs.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start[i]),
                                                             order.begin() + static_cast<std::ptrdiff_t>(i));
  std::reverse(runs.begin(), runs.end());
  return runs;
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
  // Two shared token sequences, one run of the text model: start + every word of the prefix (`whole`), and
  // its first `n_complete` tokens, start + all words but the last. A continuation that starts a new word
  // (" horse") leaves every word's BPE alone and shares `whole`; one that continues the last word ("ing")
  // changes that word's tokens and shares only the complete words.
  std::vector<int64_t> whole = {tokenizer_.sot_id()};
  size_t n_complete = 1;
  const auto words = tokenizer_.split_words(tokenizer_.normalize(prefix));
  for (size_t i = 0; i < words.size(); ++i) {
    if (i + 1 == words.size()) n_complete = whole.size();
    const auto ids = tokenizer_.encode_word(words[i]);
    whole.insert(whole.end(), ids.begin(), ids.end());
  }

  // Each continuation's tail after the longest shared sequence it begins with. Identical tails (" The" and
  // " the" normalise alike) are encoded once; tails are grouped by (shared length, tail length) so that no
  // group is padded to its longest member.
  auto starts_with = [](const std::vector<int64_t>& ids, const std::vector<int64_t>& head, size_t n) {
    return ids.size() > n && std::equal(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n), ids.begin());
  };
  std::map<std::pair<size_t, std::vector<int64_t>>, int64_t> unique_index;  // (shared length, tail) -> row
  std::vector<std::pair<size_t, std::vector<int64_t>>> unique_tails;
  std::vector<int64_t> tail_row(continuations.size(), -1);  // row in unique_tails, -1 when encoded in full
  std::vector<std::vector<int64_t>> full;
  std::vector<int64_t> full_index;
  for (size_t c = 0; c < continuations.size(); ++c) {
    auto ids = tokenizer_.encode_for_model(prefix + continuations[c], context);
    // A truncated text loses its last tokens: encoded in full. So is one that changes the clean-up of
    // earlier words and shares nothing.
    const bool fits = static_cast<int64_t>(ids.size()) < context;
    size_t n_shared = 0;
    if (fits && starts_with(ids, whole, whole.size())) {
      n_shared = whole.size();
    } else if (fits && starts_with(ids, whole, n_complete)) {
      n_shared = n_complete;
    }
    if (n_shared == 0) {
      full.push_back(std::move(ids));
      full_index.push_back(static_cast<int64_t>(c));
      continue;
    }
    std::pair<size_t, std::vector<int64_t>> key{n_shared, {ids.begin() + static_cast<std::ptrdiff_t>(n_shared), ids.end()}};
    auto [it, inserted] = unique_index.emplace(std::move(key), static_cast<int64_t>(unique_tails.size()));
    if (inserted) unique_tails.push_back(it->first);
    tail_row[c] = it->second;
  }

  auto out = torch::empty({static_cast<int64_t>(continuations.size()), dim()},
                          torch::TensorOptions().dtype(torch::kFloat).device(device_));
  if (!unique_tails.empty()) {
    size_t longest_shared = 0;
    std::map<size_t, std::vector<int64_t>> by_shared;  // shared length -> unique rows
    for (size_t u = 0; u < unique_tails.size(); ++u) {
      longest_shared = std::max(longest_shared, unique_tails[u].first);
      by_shared[unique_tails[u].first].push_back(static_cast<int64_t>(u));
    }
    const auto shared = model_->encode_text_prefix(
        torch::tensor(std::vector<int64_t>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(longest_shared)),
                      torch::kLong)
            .to(device_));
    auto unique_embeds = torch::empty({static_cast<int64_t>(unique_tails.size()), dim()},
                                      torch::TensorOptions().dtype(torch::kFloat).device(device_));  // [U, D]
    for (auto& [n_shared, rows] : by_shared) {
      const auto prefix_cache = n_shared == longest_shared ? shared : shared.first(static_cast<int64_t>(n_shared));
      std::vector<size_t> lengths;
      for (int64_t u : rows) lengths.push_back(unique_tails[static_cast<size_t>(u)].second.size());
      for (const auto& bucket : length_buckets(lengths)) {
        for (size_t i = 0; i < bucket.size(); i += kTextBatch) {
          const size_t end = std::min(bucket.size(), i + kTextBatch);
          std::vector<std::vector<int64_t>> tails;
          std::vector<int64_t> tail_lengths, index;
          for (size_t j = i; j < end; ++j) {
            const int64_t u = rows[bucket[j]];
            tails.push_back(unique_tails[static_cast<size_t>(u)].second);
            tail_lengths.push_back(static_cast<int64_t>(tails.back().size()));
            index.push_back(u);
          }
          const auto pooled = model_->encode_text_tails(prefix_cache, padded(tails, 0, tails.size()).to(device_),
                                                        torch::tensor(tail_lengths, torch::kLong).to(device_));
          unique_embeds.index_copy_(0, torch::tensor(index, torch::kLong).to(device_), normalise_rows(pooled));
        }
      }
    }
    std::vector<int64_t> tail_index, tail_source;
    for (size_t c = 0; c < continuations.size(); ++c) {
      if (tail_row[c] < 0) continue;
      tail_index.push_back(static_cast<int64_t>(c));
      tail_source.push_back(tail_row[c]);
    }
    out.index_copy_(0, torch::tensor(tail_index, torch::kLong).to(device_),
                    unique_embeds.index_select(0, torch::tensor(tail_source, torch::kLong).to(device_)));
  }
  if (!full.empty()) {
    out.index_copy_(0, torch::tensor(full_index, torch::kLong).to(device_), encode_rows(full));
  }
  return out;
}

}  // namespace vidscribe::caption
