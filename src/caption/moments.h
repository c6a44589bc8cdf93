// Soft moment masks (method.md section 2): box parameters, soft boxes, moment embeddings and the
// pairwise soft temporal IoU of section 4.5.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vidscribe::caption {

// A time span in normalised time (0 = start of the video, 1 = end).
struct Span {
  double start = 0;
  double end = 0;
};

// The fixed shape constants of the masks, in normalised time.
struct MaskGeometry {
  double min_width = 0;  // w_min
  double tau = 0;        // edge softness
};

// w_min = min_width_frames and tau = tau_frames frame spacings, a frame spacing being 1 / n_frames.
MaskGeometry mask_geometry(int64_t n_frames, double min_width_frames, double tau_frames);

// a: [K] -> centres c_k = sigmoid(a_k): [K].
torch::Tensor mask_centres(const torch::Tensor& a);
// b: [K] -> widths w_k = w_min + (1 - w_min) * sigmoid(b_k): [K].
torch::Tensor mask_widths(const torch::Tensor& b, const MaskGeometry& geometry);

// a, b: [K]; u: [T] frame times in (0, 1) -> m: [K, T] in (0, 1),
// m_k(u) = sigmoid((u - c_k + w_k/2) / tau) * sigmoid((c_k + w_k/2 - u) / tau). Differentiable in a, b.
torch::Tensor soft_masks(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& u,
                         const MaskGeometry& geometry);

// masks: [K, T]; frames: [T, D] L2-normalised -> z: [K, D] L2-normalised,
// z_k = normalise(sum_t m_kt v_t / (sum_t m_kt + eps)).
torch::Tensor moment_embeddings(const torch::Tensor& masks, const torch::Tensor& frames);

// masks: [K, T] -> [K, K] soft IoU sum_t min(m_i, m_j) / sum_t max(m_i, m_j) (diagonal 1).
torch::Tensor soft_iou_matrix(const torch::Tensor& masks);
// masks: [K, T] -> scalar mean of soft IoU over pairs i < j; 0 (still differentiable) when K < 2.
torch::Tensor pairwise_iou_loss(const torch::Tensor& masks);

// The parameters (a, b) ([K] float32 each) of masks spanning `spans`; widths below w_min become w_min,
// and centres and widths are kept strictly inside (0, 1) so that the logits are finite.
std::pair<torch::Tensor, torch::Tensor> mask_parameters(const std::vector<Span>& spans,
                                                        const MaskGeometry& geometry);
// The spans [c_k - w_k/2, c_k + w_k/2] of parameters a, b ([K]), clipped to [0, 1].
std::vector<Span> mask_spans(const torch::Tensor& a, const torch::Tensor& b, const MaskGeometry& geometry);

// A span re-fitted to the frames its caption describes.
struct RefitSpan {
  Span span;
  int64_t support = 0;  // frames of the span that its caption describes better than any other caption does
};

// Each span re-fitted to the frames its caption describes (ours; method.md section 5 reads the masks as they
// are). frames: [T, D] L2-normalised; u: [T] normalised frame times, increasing; texts: [K, D] L2-normalised
// CLIP embeddings of the K captions; captions: the K caption strings (equal captions do not compete).
// For event k, frame t's margin is cos(text_k, v_t) minus the best cos with v_t of its rivals: the events
// next to it in time (by centre) and those it overlaps, whose captions differ from its own. The
// new span is the run of frames containing the frame nearest the old span's centre whose margins have the
// largest sum (extending to either side while that sum grows), padded by half a frame spacing and clipped
// to [0, 1]; it never takes the frame at another event's centre, nor enters the old span of another event
// with the same caption (a scene that returns is an event of its own). An event without rivals keeps its span (support: all its frames).
std::vector<RefitSpan> refit_spans(const torch::Tensor& frames, const std::vector<double>& u,
                                   const torch::Tensor& texts, const std::vector<std::string>& captions,
                                   const std::vector<Span>& spans);

// Temporal IoU of two spans (0 when both are empty).
double temporal_iou(const Span& x, const Span& y);

}  // namespace vidscribe::caption
