#include "caption/moments.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vidscribe::caption {

namespace {
constexpr double kEps = 1e-6;         // z_k denominator (method.md section 2)
constexpr double kInsideMargin = 1e-4;  // keeps sigmoid inverses finite

double logit(double p) {
  p = std::clamp(p, kInsideMargin, 1.0 - kInsideMargin);
  return std::log(p / (1.0 - p));
}
}  // namespace

MaskGeometry mask_geometry(int64_t n_frames, double min_width_frames, double tau_frames) {
  const double spacing = 1.0 / static_cast<double>(std::max<int64_t>(n_frames, 1));
  return {std::min(min_width_frames * spacing, 1.0 - kInsideMargin), tau_frames * spacing};
}

torch::Tensor mask_centres(const torch::Tensor& a) { return torch::sigmoid(a); }

torch::Tensor mask_widths(const torch::Tensor& b, const MaskGeometry& geometry) {
  return geometry.min_width + (1.0 - geometry.min_width) * torch::sigmoid(b);
}

torch::Tensor soft_masks(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& u,
                         const MaskGeometry& geometry) {
  const auto c = mask_centres(a).unsqueeze(1);                   // [K, 1]
  const auto half = (mask_widths(b, geometry) / 2).unsqueeze(1);  // [K, 1]
  const auto t = u.unsqueeze(0);                                 // [1, T]
  return torch::sigmoid((t - c + half) / geometry.tau) * torch::sigmoid((c + half - t) / geometry.tau);
}

torch::Tensor moment_embeddings(const torch::Tensor& masks, const torch::Tensor& frames) {
  const auto pooled = masks.matmul(frames) / (masks.sum(1, /*keepdim=*/true) + kEps);  // [K, D]
  return torch::nn::functional::normalize(pooled, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

torch::Tensor soft_iou_matrix(const torch::Tensor& masks) {
  const auto mi = masks.unsqueeze(1);  // [K, 1, T]
  const auto mj = masks.unsqueeze(0);  // [1, K, T]
  return torch::minimum(mi, mj).sum(2) / (torch::maximum(mi, mj).sum(2) + kEps);
}

torch::Tensor pairwise_iou_loss(const torch::Tensor& masks) {
  const int64_t k = masks.size(0);
  if (k < 2) return masks.sum() * 0;
  const auto iou = soft_iou_matrix(masks);
  const auto upper = torch::ones({k, k}, torch::TensorOptions().dtype(torch::kBool).device(masks.device()))
                         .triu(/*diagonal=*/1);
  return iou.masked_select(upper).mean();
}

std::pair<torch::Tensor, torch::Tensor> mask_parameters(const std::vector<Span>& spans,
                                                        const MaskGeometry& geometry) {
  std::vector<float> a, b;
  for (const auto& s : spans) {
    const double width = std::max(s.end - s.start, geometry.min_width);
    const double centre = (s.start + s.end) / 2;
    a.push_back(static_cast<float>(logit(centre)));
    b.push_back(static_cast<float>(logit((width - geometry.min_width) / (1.0 - geometry.min_width))));
  }
  const auto n = static_cast<int64_t>(spans.size());
  return {torch::tensor(a).reshape({n}), torch::tensor(b).reshape({n})};
}

std::vector<Span> mask_spans(const torch::Tensor& a, const torch::Tensor& b, const MaskGeometry& geometry) {
  torch::NoGradGuard no_grad;
  const auto c = mask_centres(a).to(torch::kCPU, torch::kDouble).contiguous();
  const auto w = mask_widths(b, geometry).to(torch::kCPU, torch::kDouble).contiguous();
  std::vector<Span> spans;
  for (int64_t k = 0; k < c.size(0); ++k) {
    const double ck = c[k].item<double>(), wk = w[k].item<double>();
    spans.push_back({std::clamp(ck - wk / 2, 0.0, 1.0), std::clamp(ck + wk / 2, 0.0, 1.0)});
  }
  return spans;
}

double temporal_iou(const Span& x, const Span& y) {
  const double inter = std::max(0.0, std::min(x.end, y.end) - std::max(x.start, y.start));
  const double uni = (x.end - x.start) + (y.end - y.start) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<RefitSpan> refit_spans(const torch::Tensor& frames, const std::vector<double>& u,
                                   const torch::Tensor& texts, const std::vector<std::string>& captions,
                                   const std::vector<Span>& spans) {
  torch::NoGradGuard no_grad;
  const auto n_events = static_cast<int64_t>(spans.size());
  const auto n_frames = static_cast<int64_t>(u.size());
  std::vector<RefitSpan> out;
  for (const auto& s : spans) {
    int64_t inside = 0;
    for (double t : u) inside += t >= s.start && t <= s.end;
    out.push_back({s, inside});
  }
  if (n_events < 2 || n_frames == 0) return out;
  const auto sims_tensor = texts.matmul(frames.t()).to(torch::kCPU, torch::kDouble).contiguous();  // [K, T]
  const auto sims = sims_tensor.accessor<double, 2>();
  const double half = 0.5 / static_cast<double>(n_frames);
  // Events in the order of their centres: an event's edges are contested by its neighbours in time and by
  // events it overlaps, not by a similar scene at the other end of the video.
  std::vector<int64_t> order(static_cast<size_t>(n_events));
  for (int64_t k = 0; k < n_events; ++k) order[static_cast<size_t>(k)] = k;
  auto centre_of = [&](int64_t k) { return (spans[static_cast<size_t>(k)].start + spans[static_cast<size_t>(k)].end) / 2; };
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return centre_of(x) < centre_of(y); });
  auto nearest_frame = [&](double time) {
    size_t c = 0;
    for (size_t t = 1; t < u.size(); ++t) {
      if (std::abs(u[t] - time) < std::abs(u[c] - time)) c = t;
    }
    return c;
  };
  for (int64_t k = 0; k < n_events; ++k) {
    const auto& sk = spans[static_cast<size_t>(k)];
    const auto pos = static_cast<size_t>(std::find(order.begin(), order.end(), k) - order.begin());
    std::vector<int64_t> rivals;
    for (int64_t j = 0; j < n_events; ++j) {
      if (j == k || captions[static_cast<size_t>(j)] == captions[static_cast<size_t>(k)]) continue;
      const auto& sj = spans[static_cast<size_t>(j)];
      const bool neighbour = (pos > 0 && order[pos - 1] == j) || (pos + 1 < order.size() && order[pos + 1] == j);
      const bool overlaps = std::min(sk.end, sj.end) > std::max(sk.start, sj.start);
      if (neighbour || overlaps) rivals.push_back(j);
    }
    if (rivals.empty()) continue;
    std::vector<double> margin(static_cast<size_t>(n_frames), 0.0);
    for (int64_t t = 0; t < n_frames; ++t) {
      double rival = -std::numeric_limits<double>::infinity();
      for (int64_t j : rivals) rival = std::max(rival, sims[j][t]);
      margin[static_cast<size_t>(t)] = sims[k][t] - rival;
    }
    const size_t c = nearest_frame(centre_of(k));
    // The run never swallows another event's centre, nor enters the span of another event with the same
    // caption (a scene that returns is an event of its own: A B A).
    auto barrier = [&](size_t t) {
      for (int64_t j = 0; j < n_events; ++j) {
        if (j == k) continue;
        const Span& o = spans[static_cast<size_t>(j)];
        const bool same = captions[static_cast<size_t>(j)] == captions[static_cast<size_t>(k)];
        if (same ? (u[t] >= o.start && u[t] <= o.end) : (t == nearest_frame(centre_of(j)))) return true;
      }
      return false;
    };
    // The best left and right extensions from frame c: prefix sums of the margins, taken where largest.
    size_t left = c, right = c;
    double sum = 0, best = 0;
    for (size_t t = c; t-- > 0 && !barrier(t);) {
      sum += margin[t];
      if (sum > best) best = sum, left = t;
    }
    sum = 0, best = 0;
    for (size_t t = c + 1; t < u.size() && !barrier(t); ++t) {
      sum += margin[t];
      if (sum > best) best = sum, right = t;
    }
    int64_t support = 0;
    for (size_t t = left; t <= right; ++t) support += margin[t] > 0;
    out[static_cast<size_t>(k)] = {{std::clamp(u[left] - half, 0.0, 1.0), std::clamp(u[right] + half, 0.0, 1.0)},
                                   support};
  }
  return out;
}

}  // namespace vidscribe::caption
