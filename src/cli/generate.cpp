// vidscribe generate --lm DIR PROMPT [-n N]: greedy continuation of a prompt by GPT-2 (a check of the model
// folder; the captioner does not use plain greedy decoding).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <iostream>

#include "cli/command.h"
#include "nn/models/gpt2.h"
#include "nn/runtime.h"

namespace vidscribe::cli {
namespace {

struct GenerateOptions {
  std::string lm_dir;   // --lm: a GPT2LMHeadModel folder (config.json, model.safetensors, vocab.json, merges.txt)
  std::string prompt;   // the text to continue; empty starts from <|endoftext|>
  int n_tokens = 20;    // -n: how many tokens to add (stops early at <|endoftext|>)
  bool json = false;    // --json: print {"prompt", "prompt_ids", "ids", "text"} instead of the text
};

void run_generate(const GenerateOptions& o) {
  nn::set_threads(global_options().threads);
  const torch::Device device = nn::parse_device(global_options().device);
  nn::LoadedGpt2 lm = nn::load_gpt2(o.lm_dir, device);
  std::vector<int64_t> prompt_ids = lm.tokenizer.encode(o.prompt);
  if (prompt_ids.empty()) prompt_ids.push_back(lm.tokenizer.eos_id());
  torch::NoGradGuard no_grad;
  nn::KvCache cache;
  torch::Tensor input = torch::tensor(prompt_ids, torch::kLong).unsqueeze(0).to(device);  // [1, T]
  std::vector<int64_t> ids;
  for (int i = 0; i < o.n_tokens; ++i) {
    torch::Tensor hidden = lm.model->hidden_states(lm.model->embed(input), &cache);  // [1, T, C]
    const int64_t next = lm.model->lm_head(hidden.select(1, hidden.size(1) - 1)).argmax(-1).item<int64_t>();
    if (next == lm.tokenizer.eos_id()) break;
    ids.push_back(next);
    if (cache.length() >= lm.config.n_positions) break;
    input = torch::full({1, 1}, next, torch::TensorOptions().dtype(torch::kLong).device(device));
  }
  const std::string text = lm.tokenizer.decode(ids);
  if (!o.json) {
    std::cout << o.prompt << text << std::endl;
    return;
  }
  nlohmann::json out = {{"prompt", o.prompt}, {"prompt_ids", prompt_ids}, {"ids", ids}, {"text", text}};
  std::cout << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

Runner setup_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  CLI::App* sub = app.add_subcommand("generate", "Continue a prompt greedily with GPT-2");
  sub->add_option("--lm", o->lm_dir, "GPT-2 model folder (Hugging Face layout)")->required()->check(
      CLI::ExistingDirectory);
  sub->add_option("prompt", o->prompt, "Text to continue")->required();
  sub->add_option("-n,--tokens", o->n_tokens, "Tokens to add")->capture_default_str()->check(
      CLI::Range(1, 100000));
  sub->add_flag("--json", o->json, "Print prompt ids, new ids and text as JSON");
  return [o] { run_generate(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(62, setup_generate);

}  // namespace vidscribe::cli
