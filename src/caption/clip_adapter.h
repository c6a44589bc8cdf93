// The real CLIP (nn/models/clip.h) as the optimiser's ImageTextModel, with the shared-prefix encoding of
// candidate continuations (method.md section 7).
#pragma once

#include "caption/interfaces.h"
#include "nn/models/clip.h"
#include "text/clip_tokenizer.h"

namespace vidscribe::caption {

// Holds the model and tokenizer handles (shared, not copied). Not thread-safe as a whole: one optimiser
// drives it.
class ClipImageText : public ImageTextModel {
 public:
  ClipImageText(nn::ClipModel model, text::ClipTokenizer tokenizer);

  int64_t dim() const override;
  // 1 / exp(logit_scale) of the checkpoint (OpenAI's CLIPs: 0.01).
  double temperature() const override;
  // pixels: [T, 3, S, S] preprocessed -> [T, D] L2-normalised; encoded in batches of kImageBatch.
  torch::Tensor embed_frames(const torch::Tensor& pixels) override;
  // Each text as the model reads it (start + tokens + end, truncated to 77), padded per batch -> [N, D].
  torch::Tensor embed_texts(const std::vector<std::string>& texts) override;
  // Per prefix, the CLIP tokens of the whole prefix (start + every word); all prefixes run once, as one
  // batch. A continuation that starts a new word runs only its own tail after them (its tokens, then the end
  // token); one that continues the prefix's last word changes that word's BPE, so its tail starts at that
  // word, after the complete words (the same run, by causality). Identical tails of a prefix run once; the
  // tails of all prefixes run together in groups of equal length, without padding. A continuation whose full
  // tokenisation begins with neither (it changes the clean-up of earlier words, or the text is truncated) is
  // encoded in full. Equal to embed_texts of the concatenations within float rounding.
  torch::Tensor embed_continuations(const std::vector<std::string>& prefixes,
                                    const std::vector<std::vector<std::string>>& continuations) override;

  static constexpr int64_t kImageBatch = 32;
  static constexpr int64_t kTextBatch = 512;

 private:
  torch::Tensor encode_rows(const std::vector<std::vector<int64_t>>& rows);  // full sequences -> [N, D]

  nn::ClipModel model_;
  text::ClipTokenizer tokenizer_;
  torch::Device device_;
};

}  // namespace vidscribe::caption
