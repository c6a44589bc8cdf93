// Every setting of captioning, with its default: how frames are taken (VideoOptions) and how the method runs
// (MethodOptions). Plain data. The command line's flags, `--help`, the "options" record of every output and
// validation are all generated from one table over these structs (src/caption/option_table.cpp), so a new
// field is added there too. Method fields name their place in shared/docs/method.md; defaults marked "ours"
// are this project's choices, not the paper's.
#pragma once

#include <cstdint>
#include <string>

namespace vidscribe {

enum class Decoding {
  kGreedy,  // the highest-scoring token (method.md section 4)
  kTopK,    // sample among the top_k tokens, seeded
};

// How the next token is chosen after the optimisation step (method.md section 4; docs/method-implementation.md).
enum class TokenChoice {
  // From the prefixed LM fused with the plain LM (the prior) times CLIP's judgement of each candidate
  // against the moment, exp(cos / temperature) (the likelihood), over the candidates. This is the optimum
  // the vision and fluency losses steer the prefix towards; taking it directly makes CLIP's preference count
  // even where the prefix cannot move the LM far enough in one step (default; ours).
  kPosterior,
  // From the prefixed LM fused with the plain LM only, as method.md section 4 and ZeroCap write it.
  kLanguageModel,
};

// How frames are taken from the video (method.md section 1) and long videos split.
struct VideoOptions {
  double fps = 1.0;        // frames per second of video (section 1: 1)
  int max_frames = 256;    // at most this many frames per window, evenly spread (section 1: 256)
  double window_s = 600;   // longer videos are captioned window by window, each with its own events (ours)
  bool whole = false;      // one caption for the whole clip: one fixed mask over it, K = 1 (ours)
  int frame_batch = 16;    // frames per CLIP image call (memory, not results)
};

struct MethodOptions {
  // --- Events (method.md sections 2 and 6) ---
  int events = 0;                    // number of events K; 0 = from the video's structure (section 6)
  int min_events = 1;                // bounds of the automatic event count (section 6; ours)
  int max_events = 10;
  // Change points (section 6; ours): neighbouring windows of this many seconds are compared, and a boundary
  // needs 1 - cos(mean of the window before, mean of the window after) of at least change_min_drop and of
  // at least change_median_factor times the median over the video (robust to each model's scale).
  double change_window_s = 4.0;
  double change_min_drop = 0.02;
  double change_median_factor = 3.0;
  double min_segment_s = 5.0;        // segments are merged until none is shorter (section 6; ours)

  // --- Moment masks (method.md section 2) ---
  double min_width_frames = 2.0;     // minimum width w_min in frame spacings (section 2: 2)
  double tau_frames = 0.5;           // edge softness tau in frame spacings (section 2: half a spacing)
  bool fixed_masks = false;          // masks stay where they start (set by VideoOptions::whole; ours)

  // --- Prefix parameters (method.md section 3) ---
  std::string prompt = "A video of";  // hard prompt before the caption (section 3)
  int n_prefix = 5;                   // soft prompt embeddings per event (section 3: 5)
  double prefix_noise_std = 0.01;     // std of the seeded noise on the end-of-text embedding (section 3; ours)

  // --- Losses and optimisation (method.md section 4) ---
  int n_candidates = 512;             // candidates per event and token: top of p_k (section 4.1, ZeroCap: 512)
  // Temperature of CLIP's softmax over the candidates (section 4.2). 0 = the image-text model's own learned
  // temperature, 1 / exp(logit_scale): 0.01 for OpenAI's CLIP, as ZeroCap (ours: other CLIPs are scaled
  // differently, and a temperature far below the model's own turns its judgement into an arg max that
  // rewards texts it was never trained to score).
  double clip_temperature = 0;
  double lambda_vision = 1.0;         // loss weights lambda_v, lambda_f, lambda_iou (section 4.6)
  double lambda_fluency = 0.8;
  double lambda_iou = 1.0;
  int n_steps = 1;                    // Adam steps per token (section 4.7: 1)
  double lr_prefix = 0.006;           // Adam learning rate of the soft prompts P_k (section 4.7: 0.006)
  // Adam learning rate of the projection W (section 4.7 shares 0.006 with P_k). 0 = lr_prefix * sqrt(pi / 2D)
  // for moment embeddings of size D (ours): Adam moves every element of W by about its learning rate per
  // step, so W z_k moves by about lr * sum|z_k| = lr * sqrt(2D / pi) per coordinate; with this default it
  // moves as much as a soft-prompt embedding does (at 0.006 it would grow by a whole token embedding per
  // step for CLIP ViT-L/14 and GPT-2 medium).
  double lr_w = 0;
  double lr_mask = 0.05;              // Adam learning rate of the mask parameters a_k, b_k (section 4.7: 0.05)

  // --- Token choice (method.md section 4) ---
  TokenChoice token_choice = TokenChoice::kPosterior;
  double fusion = 0.99;               // p_k^fusion * q^(1 - fusion) (section 4, ZeroCap: 0.99)
  double start_end_factor = 1.6;      // "." discouraged at the first token by this factor (ZeroCap: 1.6)
  double end_factor = 1.01;           // ... and encouraged afterwards (ZeroCap: 1.01)
  double repetition_penalty = 1.2;    // on tokens among the last repetition_window ones (ZeroCap: 1.2, 4)
  int repetition_window = 4;
  int no_repeat_ngram = 3;            // no n-gram of this size repeats (section 4: 3; 0 = off)
  double forbidden_factor = 20.0;     // tokens that cannot make plain English (ZeroCap's forbidden_factor: 20)
  Decoding decoding = Decoding::kGreedy;
  int top_k = 10;                     // k of Decoding::kTopK (ours)

  // --- Stopping and rounds (method.md section 4) ---
  int max_tokens = 16;                // section 4: 16
  int min_tokens = 4;                 // section 4: 4
  int rounds = 1;                     // section 4: 1

  // --- Reading the result (method.md section 5) ---
  double duplicate_tiou = 0.9;        // same caption and tIoU above this: a near-duplicate (section 5: 0.9)
  // Events with the same caption that overlap or touch (within a frame spacing) are one event: their union
  // (ours; the structure of section 6 can cut a scene in two, and both halves then get the same caption).
  bool merge_same_captions = true;
  // Each event's edges are re-fitted to the frames its caption describes better than the other events'
  // captions do (ours; nothing in the losses rewards a mask for covering all of its event, and the IoU loss
  // shrinks touching masks).
  bool refit_edges = true;

  uint64_t seed = 0;                  // seed of everything random; same seed, same input -> same output
};

// Everything that decides a captioning result besides the models.
struct CaptionOptions {
  VideoOptions video;
  MethodOptions method;
};

}  // namespace vidscribe
