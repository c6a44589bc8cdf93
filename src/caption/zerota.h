// The ZeroTA optimiser (method.md sections 2-6): soft moment masks and language-model prefixes optimised
// jointly, token by token, so that each event's caption and its moment match under the image-text model.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "caption/interfaces.h"
#include "caption/moments.h"
#include "vidscribe/captions.h"
#include "vidscribe/options.h"

namespace vidscribe::caption {

// One video's frame embeddings as the optimiser consumes them (method.md section 1).
struct VideoFrames {
  torch::Tensor embeddings;      // [T, D] float32, L2-normalised image embeddings v_t; its device is used
  std::vector<double> times_s;   // [T] presentation times in seconds, 0 <= t <= duration_s
  double duration_s = 0;         // > 0
};

// One event as it leaves the optimiser, in mask order (before the read-out of section 5).
struct MomentResult {
  Span span;            // the mask: normalised time, [c_k - w_k/2, c_k + w_k/2] clipped to [0, 1]
  std::string caption;  // the generated text, trimmed, first letter upper-cased (the prompt is not part of it)
  double score = 0;     // cos(embed_texts(caption), z_k) (method.md section 5)
  // What the prefix became: the mean norm of the soft prompt rows P_k and the norm of W z_k, to compare with
  // the norms of real token embeddings (they should stay of that size).
  double soft_prompt_norm = 0;
  double projection_norm = 0;
};

// The state after one token of one round, for tests and experiments.
struct TokenTrace {
  int round = 0;
  int token = 0;
  std::vector<bool> active;    // [K] events still generating before this token was appended
  std::vector<Span> spans;     // [K] the masks after this token's steps
  torch::Tensor soft_prompts;  // [K, n_prefix, C] a copy of P_k after this token's steps
  torch::Tensor projection;    // [C, D] a copy of W
};

// Switches that take the method apart and a window into it, for experiments and the tests that prove what
// moves what. The defaults are the method.
struct OptimiserHooks {
  // z_k enters the vision loss as a constant: the masks get no gradient from CLIP's judgement of the text.
  bool cut_vision_gradient_to_masks = false;
  // Called after every token of every round.
  std::function<void(const TokenTrace&)> on_token;
};

// Runs the joint optimisation of method.md sections 2-4 with one mask per initial span (normalised
// time) and returns one result per span, in the same order. Deterministic for options.seed (given the
// same device; the tests check thread counts 1 and 2 agree). Logs every step with util::debug (-v): the
// losses, |grad| per parameter group, and per event the candidate CLIP prefers, its rank and log p_k before
// and after the step, the token chosen, |W z_k| and |P_k|. Reports progress per token step and polls the
// abort callback before each (util/log.h; kCancelled). Model weights are never changed; both models must be
// on the device of video.embeddings.
// Throws vidscribe::Error(kInvalidArgument) for invalid options or inconsistent frames.
std::vector<MomentResult> optimise_moments(const VideoFrames& video, const std::vector<Span>& initial,
                                           ImageTextModel& image_text, CausalLm& lm, const MethodOptions& options,
                                           const OptimiserHooks& hooks = {});

// Reading the result (method.md section 5 and ours): spans in seconds; with merge_same_captions, events with
// the same caption that touch or overlap merged; with refit_edges (and more than one event), each event's
// edges re-fitted to the frames its caption describes better than the other captions do (refit_spans), and
// events that describe none of their frames best dropped; near-duplicates removed; sorted by start time.
// With fixed_masks the masks are kept as they are.
std::vector<Event> read_out(const VideoFrames& video, const std::vector<MomentResult>& results,
                            ImageTextModel& image_text, const MethodOptions& options);

// The whole method for one video: event count and initial masks from the video's structure (section 6;
// with options.fixed_masks, options.events (at least 1) fixed even boxes, e.g. one box over the whole clip
// for --whole), the optimisation, and read_out().
// Throws kInvalidArgument when the longest input the options ask of the LM - the soft prompts, W z_k, the
// prompt and max_tokens tokens - does not fit its max_positions(). Known before any work, so checked first.
void check_fits(const CausalLm& lm, const MethodOptions& options);

std::vector<Event> caption_video(const VideoFrames& video, ImageTextModel& image_text, CausalLm& lm,
                                 const MethodOptions& options);

// Throws vidscribe::Error(kInvalidArgument) naming the first method option out of range (the table's
// checks of caption/option_table.h).
void validate(const MethodOptions& options);

// The temperature the vision target uses: options.clip_temperature, or the model's own when that is 0.
double vision_temperature(const MethodOptions& options, const ImageTextModel& image_text);

}  // namespace vidscribe::caption
