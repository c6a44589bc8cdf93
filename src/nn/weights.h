// Loading a module's parameters and buffers from a checkpoint by name, with exact shape checks.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "nn/safetensors.h"

namespace vidscribe::nn {

struct LoadOptions {
  // Checkpoint key prefixes that are stripped before matching ("transformer." in some GPT-2 files).
  std::vector<std::string> strip_prefixes;
  // Checkpoint keys ending with one of these are tolerated and skipped (buffers such as "attn.bias",
  // "position_ids", or a tied "lm_head.weight").
  std::vector<std::string> ignore_suffixes;
  // Module buffers that are computed, not loaded (their names, exact).
  std::vector<std::string> computed_buffers;
  // What the model is, for messages: "CLIP (openai/clip-vit-base-patch32 config)".
  std::string model_description;
  torch::ScalarType dtype = torch::kFloat32;
};

// Copies every parameter and buffer of `module` from `file`, matched by name. Throws Error(kCorruptModel)
// when a weight is missing (names the first few and how many), when a shape differs (names the tensor and
// both shapes), or when the file holds weights the module does not know (unless ignored).
// Parameters are set to requires_grad(false): the models are frozen.
void load_weights(torch::nn::Module& module, const SafeTensors& file, const LoadOptions& options);

}  // namespace vidscribe::nn
