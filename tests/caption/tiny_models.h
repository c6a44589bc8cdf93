// Hand-built tiny models with known answers for the captioning tests (method.md section 8): an
// image-text model that sees colour and reads colour words, and a small causal LM over a toy vocabulary.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "caption/interfaces.h"
#include "caption/zerota.h"

namespace vidscribe::caption::testing {

// The colours both tiny models know, in embedding order.
inline const std::vector<std::string> kColours = {"red", "green", "blue", "yellow"};

// Joint space of size 5: one axis per colour plus a "generic" axis every embedding has (weight 0.5), so
// texts without colour words are equally far from every colour.
class TinyImageText : public ImageTextModel {
 public:
  int64_t dim() const override { return 5; }
  // A colour frame and its colour word are at cos 1, another colour's at cos 0.2: CLIP-like contrast.
  double temperature() const override { return 0.05; }
  // pixels [T, 3, S, S] in [0, 1] RGB: a frame is "red" when its mean is mostly red, etc. (yellow = red+green).
  torch::Tensor embed_frames(const torch::Tensor& pixels) override;
  // Counts the colour words of each text (whole words, any case).
  torch::Tensor embed_texts(const std::vector<std::string>& texts) override;
  int64_t texts_embedded = 0;  // how many texts were encoded, over all calls
};

// The L2-normalised embedding of a frame of one colour ([5] float32), plus seeded noise of this size.
torch::Tensor colour_frame(const std::string& colour, double noise = 0.0, uint64_t seed = 0);

// Frame embeddings of consecutive single-colour segments at 1 fps: {("red", 20), ("blue", 20)} -> [40, 5].
torch::Tensor planted_frames(const std::vector<std::pair<std::string, int>>& segments, double noise, uint64_t seed);

// A video of those frames (seed 11), frame i at i seconds, lasting one second per frame.
VideoFrames planted_video(const std::vector<std::pair<std::string, int>>& segments, double noise = 0.05);

// ASCII lower case.
std::string lower(const std::string& s);

// Two runs gave the same events, bit for bit (captions, times, scores).
void expect_same_events(const std::vector<Event>& a, const std::vector<Event>& b);

// A causal LM over 30 tokens (" red", " ball", "." ...): h_t = (running mean of the inputs up to t) . M,
// logits = gain * h_t . E^T + bias with a seeded random mixing matrix M ([C, C]) and a seeded random table E ([V, C], tied). Every input position,
// the soft prompt included, moves every logit, as in a real LM; no word is built in. Weights are frozen.
// The cache holds each row's running sum and count.
class TinyLm : public CausalLm {
 public:
  explicit TinyLm(uint64_t seed = 1, int64_t width = 64);
  int64_t embedding_dim() const override { return width_; }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }
  int64_t eos_id() const override { return 0; }
  std::string token_bytes(int64_t id) const override { return vocab_.at(static_cast<size_t>(id)); }
  std::vector<int64_t> encode(const std::string& text) const override;  // longest match first
  torch::Tensor embed(const torch::Tensor& ids) override;
  torch::Tensor forward(const torch::Tensor& inputs_embeds, KvCache* cache) override;
  int64_t id_of(const std::string& token) const;

 private:
  int64_t width_;
  std::vector<std::string> vocab_;
  torch::Tensor table_;  // [V, C]
  torch::Tensor mix_;    // [C, C]
  torch::Tensor bias_;   // [V]
};

}  // namespace vidscribe::caption::testing
