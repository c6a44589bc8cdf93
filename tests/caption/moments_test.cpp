#include "caption/moments.h"

#include <gtest/gtest.h>

namespace vidscribe::caption {
namespace {

torch::Tensor frame_times(int n) { return (torch::arange(n, torch::kDouble) + 0.5) / n; }

TEST(MomentsTest, GeometryFollowsFrameSpacing) {
  const auto g = mask_geometry(50, 2.0, 0.5);
  EXPECT_DOUBLE_EQ(g.min_width, 2.0 / 50);
  EXPECT_DOUBLE_EQ(g.tau, 0.5 / 50);
}

TEST(MomentsTest, SoftBoxIsOneInsideZeroOutsideHalfAtEdges) {
  const auto g = mask_geometry(100, 2.0, 0.5);
  const auto [a, b] = mask_parameters({{0.2, 0.6}}, g);
  const auto u = torch::tensor({0.4, 0.2, 0.6, 0.1, 0.7, 0.205}, torch::kDouble);
  const auto m = soft_masks(a.to(torch::kDouble), b.to(torch::kDouble), u, g)[0];
  EXPECT_NEAR(m[0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(m[1].item<double>(), 0.5, 1e-3);
  EXPECT_NEAR(m[2].item<double>(), 0.5, 1e-3);
  EXPECT_LT(m[3].item<double>(), 1e-8);
  EXPECT_LT(m[4].item<double>(), 1e-8);
  // Half a frame spacing inside the edge = one tau: sigmoid(1).
  EXPECT_NEAR(m[5].item<double>(), 1.0 / (1.0 + std::exp(-1.0)), 1e-3);
}

TEST(MomentsTest, WidthNeverBelowMinimum) {
  const auto g = mask_geometry(10, 2.0, 0.5);
  const auto w = mask_widths(torch::tensor({-50.0, 0.0, 50.0}), g);
  EXPECT_NEAR(w[0].item<double>(), 0.2, 1e-6);
  EXPECT_NEAR(w[1].item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(w[2].item<double>(), 1.0, 1e-6);
}

TEST(MomentsTest, ParametersAndSpansRoundTrip) {
  const auto g = mask_geometry(60, 2.0, 0.5);
  const std::vector<Span> spans = {{0.0, 1.0 / 3}, {1.0 / 3, 2.0 / 3}, {0.5, 0.55}};
  const auto [a, b] = mask_parameters(spans, g);
  const auto back = mask_spans(a, b, g);
  ASSERT_EQ(back.size(), spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    EXPECT_NEAR(back[i].start, spans[i].start, 1e-3) << i;
    EXPECT_NEAR(back[i].end, spans[i].end, 1e-3) << i;
  }
  // Narrower than w_min becomes w_min around the same centre.
  const auto narrow = mask_spans(mask_parameters({{0.5, 0.5}}, g).first, mask_parameters({{0.5, 0.5}}, g).second, g);
  EXPECT_NEAR(narrow[0].end - narrow[0].start, 2.0 / 60, 1e-4);
}

TEST(MomentsTest, MomentEmbeddingGradientMatchesFiniteDifference) {
  const int t = 20;
  const auto g = mask_geometry(t, 2.0, 2.0);  // soft edges so that several frames carry gradient
  torch::manual_seed(3);
  const auto frames = torch::nn::functional::normalize(torch::randn({t, 4}, torch::kDouble),
                                                       torch::nn::functional::NormalizeFuncOptions().dim(1));
  const auto u = frame_times(t);
  const auto target = torch::randn({4}, torch::kDouble);
  auto objective = [&](const torch::Tensor& a, const torch::Tensor& b) {
    return (moment_embeddings(soft_masks(a, b, u, g), frames)[0] * target).sum();
  };
  auto a = torch::tensor({0.3}, torch::kDouble).requires_grad_(true);
  auto b = torch::tensor({-0.4}, torch::kDouble).requires_grad_(true);
  objective(a, b).backward();
  const double h = 1e-6;
  const double da = (objective(a.detach() + h, b.detach()) - objective(a.detach() - h, b.detach())).item<double>() / (2 * h);
  const double db = (objective(a.detach(), b.detach() + h) - objective(a.detach(), b.detach() - h)).item<double>() / (2 * h);
  EXPECT_NEAR(a.grad()[0].item<double>(), da, 1e-6);
  EXPECT_NEAR(b.grad()[0].item<double>(), db, 1e-6);
  EXPECT_GT(std::abs(da), 1e-4);  // the text really can move the moment
}

TEST(MomentsTest, MomentEmbeddingIsMaskedMeanNormalised) {
  const auto frames = torch::tensor({{1.0, 0.0}, {0.0, 1.0}, {0.0, 1.0}}, torch::kDouble);
  const auto masks = torch::tensor({{1.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}, torch::kDouble);
  const auto z = moment_embeddings(masks, frames);
  EXPECT_NEAR(z[0][0].item<double>(), std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(z[0][1].item<double>(), std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(z[1][1].item<double>(), 1.0, 1e-6);
}

TEST(MomentsTest, SoftIouOfKnownMasks) {
  const auto masks = torch::tensor({{1.0, 1.0, 0.0, 0.0}, {0.0, 1.0, 1.0, 0.0}, {0.0, 0.0, 0.0, 1.0},
                                    {0.5, 0.5, 0.0, 0.0}},
                                   torch::kDouble);
  const auto iou = soft_iou_matrix(masks);
  EXPECT_NEAR(iou[0][0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(iou[0][1].item<double>(), 1.0 / 3, 1e-6);
  EXPECT_NEAR(iou[0][2].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(iou[0][3].item<double>(), 0.5, 1e-6);
  // Mean over the 6 pairs i < j.
  const double expected = (1.0 / 3 + 0 + 0.5 + 0 + 0.5 / 2.5 + 0) / 6;
  EXPECT_NEAR(pairwise_iou_loss(masks).item<double>(), expected, 1e-6);
}

TEST(MomentsTest, IouLossGradientPushesOverlappingMasksApart) {
  const auto g = mask_geometry(40, 2.0, 2.0);
  const auto u = frame_times(40);
  auto a = torch::tensor({-0.2, 0.2}, torch::kDouble).requires_grad_(true);  // centres 0.45 and 0.55
  auto b = torch::tensor({-1.0, -1.0}, torch::kDouble);
  pairwise_iou_loss(soft_masks(a, b, u, g)).backward();
  EXPECT_GT(a.grad()[0].item<double>(), 0);  // descent moves the left mask left...
  EXPECT_LT(a.grad()[1].item<double>(), 0);  // ...and the right one right
  EXPECT_EQ(pairwise_iou_loss(soft_masks(a.detach().slice(0, 0, 1), b.slice(0, 0, 1), u, g)).item<double>(), 0.0);
}

TEST(MomentsTest, TemporalIou) {
  EXPECT_DOUBLE_EQ(temporal_iou(Span{0, 2}, Span{1, 3}), 1.0 / 3);
  EXPECT_DOUBLE_EQ(temporal_iou(Span{0, 1}, Span{2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(temporal_iou(Span{0, 4}, Span{1, 2}), 0.25);
  EXPECT_DOUBLE_EQ(temporal_iou(Span{1, 1}, Span{1, 1}), 0.0);
}

}  // namespace
}  // namespace vidscribe::caption
