// Every setting of the captioning optimiser with its default, each naming its place in
// shared/docs/method.md. Defaults marked "ours" are this project's choices, not the paper's.
#pragma once

#include <cstdint>
#include <string>

namespace vidscribe::caption {

enum class Decoding {
  kGreedy,  // arg max of the fused, rule-adjusted distribution (method.md section 4)
  kTopK,    // sample among the top_k tokens, seeded
};

struct CaptionOptions {
  // --- Events (method.md sections 2 and 6) ---
  // Number of events K; 0 = choose from the video's structure (section 6).
  int events = 0;
  // Bounds of the automatic event count (section 6; ours).
  int min_events = 1;
  int max_events = 10;
  // Change points (section 6, ours): neighbouring windows of this many seconds are compared...
  double change_window_s = 4.0;
  // ...and a boundary needs 1 - cos(mean left window, mean right window) of at least this much and of at
  // least change_median_factor times the median over the video (robust to each model's scale).
  double change_min_drop = 0.02;
  double change_median_factor = 3.0;
  // Segments are merged until none is shorter than this many seconds (section 6, ours).
  double min_segment_s = 5.0;

  // --- Moment masks (method.md section 2) ---
  // Minimum width w_min in frame spacings (section 2: 2).
  double min_width_frames = 2.0;
  // Edge softness tau in frame spacings (section 2: half a frame spacing).
  double tau_frames = 0.5;
  // Keep masks fixed (--whole: one caption for the clip, K = 1; ours).
  bool fixed_masks = false;

  // --- Prefix parameters (method.md section 3) ---
  // Hard prompt: fixed text before the caption (section 3).
  std::string prompt = "A video of";
  // Number of soft prompt embeddings per event, n_prefix (section 3: 5).
  int n_prefix = 5;
  // Standard deviation of the seeded noise added to the end-of-text embedding (section 3, "small"; ours).
  double prefix_noise_std = 0.01;

  // --- Losses and optimisation (method.md section 4) ---
  // Candidates per event and token: top n_candidates of p_k (section 4.1, ZeroCap: 512).
  int n_candidates = 512;
  // Temperature of the CLIP softmax over candidates (section 4.2, ZeroCap: 0.01).
  double clip_temperature = 0.01;
  // Loss weights lambda_v, lambda_f, lambda_iou (section 4.6: 1.0, 0.8, 1.0).
  double lambda_vision = 1.0;
  double lambda_fluency = 0.8;
  double lambda_iou = 1.0;
  // Adam steps per token (section 4.7: 1).
  int n_steps = 1;
  // Adam learning rates (section 4.7): soft prompt and W 0.006, mask parameters a_k, b_k 0.05.
  double lr_prefix = 0.006;
  double lr_mask = 0.05;

  // --- Token choice (method.md section 4) ---
  // Fusion exponent: p_k^fusion * q^(1 - fusion) (section 4, ZeroCap: 0.99).
  double fusion = 0.99;
  // "." discouraged at the first token by this factor (section 4, ZeroCap: 1.6)...
  double start_end_factor = 1.6;
  // ...and encouraged afterwards by this factor (section 4, ZeroCap: 1.01).
  double end_factor = 1.01;
  // Penalty on tokens among the last repetition_window generated ones (section 4, ZeroCap: 1.2, 4 tokens).
  double repetition_penalty = 1.2;
  int repetition_window = 4;
  // No n-gram of this size may repeat (section 4: 3; 0 = off).
  int no_repeat_ngram = 3;
  // Down-weighting of tokens that cannot start or continue a plain English caption
  // (section 4, factor as ZeroCap's forbidden_factor: 20).
  double forbidden_factor = 20.0;
  Decoding decoding = Decoding::kGreedy;
  // Top-k of the sampling option (section 4; ours).
  int top_k = 10;

  // --- Stopping and rounds (method.md section 4) ---
  int max_tokens = 16;  // section 4: 16
  int min_tokens = 4;   // section 4: 4
  int rounds = 1;       // section 4: 1

  // --- Reading the result (method.md section 5) ---
  // Events with tIoU above this and the same caption are near-duplicates (section 5: 0.9).
  double duplicate_tiou = 0.9;

  // Seed of everything random (soft prompt noise, sampling). Same seed, same input -> same output.
  uint64_t seed = 0;
};

// Throws vidscribe::Error(kInvalidArgument) naming the first option out of range.
void validate(const CaptionOptions& options);

}  // namespace vidscribe::caption
