#include "caption/clip_adapter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "vidscribe/error.h"

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

double ClipImageText::temperature() const {
  torch::NoGradGuard no_grad;
  return 1.0 / std::exp(model_->logit_scale.to(torch::kCPU, torch::kDouble).item<double>());
}

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

torch::Tensor ClipImageText::embed_continuations(const std::vector<std::string>& prefixes,
                                                 const std::vector<std::vector<std::string>>& continuations) {
  if (prefixes.size() != continuations.size()) {
    throw Error(ErrorCode::kInternal, "embed_continuations: one list of continuations per prefix expected");
  }
  torch::NoGradGuard no_grad;
  const nn::detail::BlasThreadsOnly threads(device_.is_cpu());  // products on BLAS threads, the rest on one
  const int64_t context = model_->config().text.max_position_embeddings;
  auto starts_with = [](const std::vector<int64_t>& ids, const std::vector<int64_t>& head, size_t n) {
    return ids.size() > n && std::equal(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n), ids.begin());
  };

  // Per prefix, one shared token sequence: start + every word of the prefix (`whole`); its first
  // `n_complete` tokens are start + all words but the last. A continuation that starts a new word (" horse")
  // leaves every word's BPE alone and continues `whole`; one that continues the last word ("ing") changes
  // that word's tokens and continues only the complete words (the same run, by causality). Each
  // continuation's tail is what follows; identical tails of one prefix (" The" and " the" normalise alike)
  // run once.
  struct Tail {
    int64_t prefix_row;
    size_t shared;
    std::vector<int64_t> ids;
    bool operator<(const Tail& o) const {
      return std::tie(prefix_row, shared, ids) < std::tie(o.prefix_row, o.shared, o.ids);
    }
  };
  std::vector<std::vector<int64_t>> wholes(prefixes.size());
  std::vector<size_t> used_length(prefixes.size(), 0);  // longest shared part any tail of the prefix uses
  std::map<Tail, int64_t> unique_index;
  std::vector<const Tail*> unique_tails;
  size_t total = 0;
  for (const auto& c : continuations) total += c.size();
  std::vector<int64_t> tail_of(total, -1);  // per output row: its unique tail, or -1 when encoded in full
  std::vector<std::vector<int64_t>> full;
  std::vector<int64_t> full_index;
  size_t row = 0;
  for (size_t p = 0; p < prefixes.size(); ++p) {
    std::vector<int64_t>& whole = wholes[p];
    whole = {tokenizer_.sot_id()};
    size_t n_complete = 1;
    const auto words = tokenizer_.split_words(tokenizer_.normalize(prefixes[p]));
    for (size_t i = 0; i < words.size(); ++i) {
      if (i + 1 == words.size()) n_complete = whole.size();
      const auto ids = tokenizer_.encode_word(words[i]);
      whole.insert(whole.end(), ids.begin(), ids.end());
    }
    for (const auto& continuation : continuations[p]) {
      auto ids = tokenizer_.encode_for_model(prefixes[p] + continuation, context);
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
        full_index.push_back(static_cast<int64_t>(row++));
        continue;
      }
      used_length[p] = std::max(used_length[p], n_shared);
      Tail key{static_cast<int64_t>(p), n_shared, {ids.begin() + static_cast<std::ptrdiff_t>(n_shared), ids.end()}};
      auto [it, inserted] = unique_index.emplace(std::move(key), static_cast<int64_t>(unique_tails.size()));
      if (inserted) unique_tails.push_back(&it->first);
      tail_of[row++] = it->second;
    }
  }

  auto out = torch::empty({static_cast<int64_t>(total), dim()}, torch::TensorOptions().dtype(torch::kFloat).device(device_));
  if (!unique_tails.empty()) {
    // Every prefix's shared tokens in one run of the text model, rows right-padded to the longest.
    size_t longest = 1;
    for (size_t p = 0; p < prefixes.size(); ++p) longest = std::max(longest, used_length[p]);
    std::vector<std::vector<int64_t>> prefix_rows(prefixes.size());
    for (size_t p = 0; p < prefixes.size(); ++p) {
      prefix_rows[p].assign(wholes[p].begin(), wholes[p].begin() + static_cast<std::ptrdiff_t>(std::max<size_t>(used_length[p], 1)));
    }
    auto prefix_ids = padded(prefix_rows, 0, prefix_rows.size());  // [P, L0]
    if (prefix_ids.size(1) < static_cast<int64_t>(longest)) {
      throw Error(ErrorCode::kInternal, "embed_continuations: prefix rows shorter than their shared parts");
    }
    const auto shared_cache = model_->encode_text_prefix(prefix_ids.to(device_));
    // Tails of all prefixes in groups of similar length, each group one batch.
    std::vector<size_t> lengths;
    for (const Tail* t : unique_tails) lengths.push_back(t->ids.size());
    auto unique_embeds = torch::empty({static_cast<int64_t>(unique_tails.size()), dim()},
                                      torch::TensorOptions().dtype(torch::kFloat).device(device_));  // [U, D]
    for (const auto& bucket : length_buckets(lengths)) {
      for (size_t i = 0; i < bucket.size(); i += kTextBatch) {
        const size_t end = std::min(bucket.size(), i + kTextBatch);
        std::vector<std::vector<int64_t>> tails;
        std::vector<int64_t> tail_lengths, index, rows_of, shared_of;
        for (size_t j = i; j < end; ++j) {
          const Tail* t = unique_tails[bucket[j]];
          tails.push_back(t->ids);
          tail_lengths.push_back(static_cast<int64_t>(t->ids.size()));
          index.push_back(static_cast<int64_t>(bucket[j]));
          rows_of.push_back(t->prefix_row);
          shared_of.push_back(static_cast<int64_t>(t->shared));
        }
        auto on_device = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(device_); };
        const auto pooled = model_->encode_text_tails(shared_cache, padded(tails, 0, tails.size()).to(device_),
                                                      on_device(tail_lengths), on_device(rows_of), on_device(shared_of));
        unique_embeds.index_copy_(0, on_device(index), normalise_rows(pooled));
      }
    }
    std::vector<int64_t> tail_rows, tail_source;
    for (size_t r = 0; r < total; ++r) {
      if (tail_of[r] < 0) continue;
      tail_rows.push_back(static_cast<int64_t>(r));
      tail_source.push_back(tail_of[r]);
    }
    out.index_copy_(0, torch::tensor(tail_rows, torch::kLong).to(device_),
                    unique_embeds.index_select(0, torch::tensor(tail_source, torch::kLong).to(device_)));
  }
  if (!full.empty()) {
    out.index_copy_(0, torch::tensor(full_index, torch::kLong).to(device_), encode_rows(full));
  }
  return out;
}

}  // namespace vidscribe::caption
