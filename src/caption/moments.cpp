#include "caption/moments.h"

#include <algorithm>
#include <cmath>

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

}  // namespace vidscribe::caption
