// The ZeroTA optimiser (method.md sections 2-6): soft moment masks and language-model prefixes optimised
// jointly, token by token, so that each event's caption and its moment match under the image-text model.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "caption/interfaces.h"
#include "caption/moments.h"
#include "caption/options.h"
#include "vidscribe/captions.h"

namespace vidscribe::caption {

// One video's frame embeddings as the optimiser consumes them (method.md section 1).
struct VideoFrames {
  torch::Tensor embeddings;      // [T, D] float32, L2-normalised image embeddings v_t; its device is used
  std::vector<double> times_s;   // [T] presentation times in seconds, 0 <= t <= duration_s
  double duration_s = 0;         // > 0
};

// One event as it leaves the optimiser, in mask order (before sorting and duplicate removal).
struct MomentResult {
  Span span;            // normalised time, [c_k - w_k/2, c_k + w_k/2] clipped to [0, 1]
  std::string caption;  // the generated text, trimmed, first letter upper-cased
  double score = 0;     // cos(embed_texts(prompt + generated text), z_k) (method.md section 5)
};

// Runs the joint optimisation of method.md sections 2-4 with one mask per initial span (normalised
// time) and returns one result per span, in the same order. Deterministic for options.seed (given the
// same libtorch thread count and device). Logs the losses of every step with util::debug (-v) and shows
// progress with util::Progress. Model weights are never changed; both models must be on the device of
// video.embeddings.
// Throws vidscribe::Error(kInvalidArgument) for invalid options or inconsistent frames.
std::vector<MomentResult> optimise_moments(const VideoFrames& video, const std::vector<Span>& initial,
                                           ImageTextModel& image_text, CausalLm& lm,
                                           const CaptionOptions& options);

// The whole method for one video: event count and initial masks from the video's structure (section 6;
// with options.fixed_masks, options.events (at least 1) fixed even boxes, e.g. one box over the whole clip
// for --whole), the optimisation, and the events read out in seconds, sorted by start time, near-duplicates
// removed (section 5).
std::vector<Event> caption_video(const VideoFrames& video, ImageTextModel& image_text, CausalLm& lm,
                                 const CaptionOptions& options);

}  // namespace vidscribe::caption
