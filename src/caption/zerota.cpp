#include "caption/zerota.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "caption/events.h"
#include "caption/option_table.h"
#include "caption/segmentation.h"
#include "caption/token_rules.h"
#include "nn/models/common.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::caption {

namespace {

std::string trimmed_caption(const std::string& generated) {
  const auto first = generated.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) return "";
  const auto last = generated.find_last_not_of(" \t\n\r");
  std::string s = generated.substr(first, last - first + 1);
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

torch::Tensor ids_tensor(const std::vector<int64_t>& ids, torch::Device device) {
  return torch::tensor(ids, torch::kLong).reshape({1, static_cast<int64_t>(ids.size())}).to(device);
}

// A uniform double in [0, 1) from 53 random bits: the same numbers on every standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Adam (torch's defaults: betas 0.9 and 0.999, eps 1e-8, no weight decay) on one tensor whose rows (dimension
// 0) belong to the events, with a step count per row, so that a finished event's rows and their moments stay
// exactly as they are (method.md section 4.7; freezing is ours). A shared tensor (W) is one row.
class RowAdam {
 public:
  RowAdam(torch::Tensor param, double lr, bool per_row) : param_(std::move(param)), lr_(lr), per_row_(per_row) {
    m_ = torch::zeros_like(param_);
    v_ = torch::zeros_like(param_);
    steps_ = torch::zeros({per_row ? param_.size(0) : 1}, param_.options().requires_grad(false));
  }

  // Applies one step to the rows where `active` ([R] bool on the param's device) is true, from param.grad().
  // Rows that are not active keep their values and their moments.
  void step(const torch::Tensor& active) {
    const auto& grad = param_.grad();
    if (!grad.defined() || lr_ == 0) return;
    torch::NoGradGuard no_grad;
    constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
    std::vector<int64_t> shape(static_cast<size_t>(param_.dim()), 1);
    shape[0] = per_row_ ? param_.size(0) : 1;
    const auto on = (per_row_ ? active : active.any().reshape({1})).to(param_.scalar_type());  // [R] 0/1
    const auto on_b = on.view(shape);
    steps_ += on;
    const auto t = steps_.clamp_min(1).view(shape);
    const auto m = kBeta1 * m_ + (1 - kBeta1) * grad;
    const auto v = kBeta2 * v_ + (1 - kBeta2) * grad * grad;
    const auto m_hat = m / (1 - torch::pow(kBeta1, t));
    const auto v_hat = v / (1 - torch::pow(kBeta2, t));
    param_.sub_(on_b * lr_ * m_hat / (v_hat.sqrt() + kEps));
    m_.copy_(torch::lerp(m_, m, on_b));
    v_.copy_(torch::lerp(v_, v, on_b));
  }

  void zero_grad() {
    if (param_.grad().defined()) param_.mutable_grad() = torch::Tensor();
  }

 private:
  torch::Tensor param_, m_, v_, steps_;
  double lr_;
  bool per_row_;
};

double norm_of(const torch::Tensor& t) { return t.defined() ? t.norm().item<double>() : 0.0; }

// The state of one video's optimisation: the learned parameters and the fixed inputs.
class Optimiser {
 public:
  Optimiser(const VideoFrames& video, const std::vector<Span>& initial, ImageTextModel& image_text, CausalLm& lm,
            const MethodOptions& options, const OptimiserHooks& hooks)
      : image_text_(image_text),
        lm_(lm),
        options_(options),
        hooks_(hooks),
        rules_(lm, options),
        rng_(options.seed),
        tau_(vision_temperature(options, image_text)) {
    device_ = video.embeddings.device();
    frames_ = video.embeddings.detach().to(torch::kFloat);
    k_ = static_cast<int64_t>(initial.size());
    std::vector<float> u;
    for (double t : video.times_s) u.push_back(static_cast<float>(std::clamp(t / video.duration_s, 0.0, 1.0)));
    u_ = torch::tensor(u).to(device_);
    geometry_ = mask_geometry(frames_.size(0), options.min_width_frames, options.tau_frames);

    auto [a, b] = mask_parameters(initial, geometry_);
    a_ = a.to(device_).requires_grad_(!options.fixed_masks);
    b_ = b.to(device_).requires_grad_(!options.fixed_masks);

    base_ids_ = lm.encode(options.prompt);
    if (base_ids_.empty()) base_ids_ = {lm.eos_id()};  // q needs a context; GPT-2 starts texts this way
    const int64_t c = lm.embedding_dim();
    torch::Tensor eos_embedding;  // [1, 1, C]
    {
      torch::NoGradGuard no_grad;
      eos_embedding = lm.embed(ids_tensor({lm.eos_id()}, device_)).to(torch::kCPU, torch::kFloat);
      prompt_embeds_ = lm.embed(ids_tensor(base_ids_, device_)).detach();  // [1, H, C]
    }
    // The noise is drawn on the CPU from its own generator: the same numbers on every device.
    auto generator = at::detail::createCPUGenerator(options.seed);
    const auto noise = torch::randn({k_, options.n_prefix, c}, generator, torch::TensorOptions().dtype(torch::kFloat));
    prefix_ = (eos_embedding + noise * options.prefix_noise_std).to(device_).requires_grad_(true);  // [K, n, C]
    w_ = torch::zeros({c, frames_.size(1)}, torch::TensorOptions().dtype(torch::kFloat).device(device_))
             .requires_grad_(true);  // [C, D]
    adam_prefix_ = std::make_unique<RowAdam>(prefix_, options.lr_prefix, true);
    // W z_k moves per step by about lr * sum|z_k| = lr * sqrt(2D / pi) per coordinate (Adam's steps are about
    // lr per element): the automatic rate makes that the soft prompts' lr_prefix.
    const double lr_w = options.lr_w > 0 ? options.lr_w
                                         : options.lr_prefix * std::sqrt(M_PI / (2.0 * static_cast<double>(frames_.size(1))));
    adam_w_ = std::make_unique<RowAdam>(w_, lr_w, false);
    adam_a_ = std::make_unique<RowAdam>(a_, options.fixed_masks ? 0.0 : options.lr_mask, true);
    adam_b_ = std::make_unique<RowAdam>(b_, options.fixed_masks ? 0.0 : options.lr_mask, true);
    if (util::log_enabled(LogLevel::kDebug)) {
      torch::NoGradGuard no_grad;
      // Scale of real token embeddings, for comparing |W z_k| and |P_k| in the logs.
      const auto table = lm.embed(torch::arange(std::min<int64_t>(lm.vocab_size(), 4096), torch::kLong)
                                      .unsqueeze(0)
                                      .to(device_));
      char line[160];
      std::snprintf(line, sizeof line, "token embeddings: mean |e| %.3f, max %.3f; vision temperature %.4g",
                    table.norm(2, 2).mean().item<double>(), table.norm(2, 2).max().item<double>(), tau_);
      util::debug(line);
    }
  }

  std::vector<MomentResult> run() {
    // On the CPU the work is matrix products (BLAS threads) and many small operations (one thread).
    const nn::detail::BlasThreadsOnly threads(device_.is_cpu());
    std::vector<MomentResult> best(static_cast<size_t>(k_));
    util::Progress progress("captioning " + std::to_string(k_) + (k_ == 1 ? " event" : " events"),
                            int64_t{options_.rounds} * options_.max_tokens);
    for (int round = 0; round < options_.rounds; ++round) {
      const auto results = generate_round(round, progress);
      for (int64_t k = 0; k < k_; ++k) {
        if (round == 0 || results[k].score > best[k].score) best[k] = results[k];
      }
    }
    progress.finish();
    return best;
  }

 private:
  // masks [K, T] and moment embeddings z [K, D].
  std::pair<torch::Tensor, torch::Tensor> moments() {
    const auto masks = soft_masks(a_, b_, u_, geometry_);
    return {masks, moment_embeddings(masks, frames_)};
  }

  // The prefixed LM input [P_k] [W z_k] [hard prompt] [caption so far] of the active events `rows` [A]
  // -> [A, n + 1 + H + L, C]. caption_embeds: [A, L, C] or undefined when L = 0.
  torch::Tensor prefixed_inputs(const torch::Tensor& rows, const torch::Tensor& z, const torch::Tensor& caption_embeds) {
    const int64_t n_active = rows.size(0);
    std::vector<torch::Tensor> parts = {
        prefix_.index_select(0, rows),                                // [A, n, C]
        z.index_select(0, rows).matmul(w_.t()).unsqueeze(1),          // [A, 1, C]
        prompt_embeds_.expand({n_active, prompt_embeds_.size(1), prompt_embeds_.size(2)}),  // [A, H, C]
    };
    if (caption_embeds.defined()) parts.push_back(caption_embeds);
    return torch::cat(parts, 1);
  }

  std::string generated_text(const std::vector<int64_t>& ids) const {
    std::string text;
    for (int64_t id : ids) text += lm_.token_bytes(id);
    return text;
  }

  // CLIP text embeddings of prompt + caption so far + each candidate, all active events in one call:
  // candidates [A, N] -> [A, N, D]. Constants of the optimisation (only z_k carries gradient, section 7).
  torch::Tensor candidate_embeddings(const std::vector<int64_t>& active, const torch::Tensor& candidates,
                                     const std::vector<std::vector<int64_t>>& captions) {
    torch::NoGradGuard no_grad;
    const auto cpu = candidates.to(torch::kCPU).contiguous();  // the one transfer of the token loop
    const int64_t n = cpu.size(1);
    std::vector<std::string> prefixes;
    std::vector<std::vector<std::string>> continuations(active.size());
    for (size_t r = 0; r < active.size(); ++r) {
      const auto* ids = cpu[static_cast<int64_t>(r)].data_ptr<int64_t>();
      continuations[r].reserve(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) continuations[r].push_back(lm_.token_bytes(ids[j]));
      prefixes.push_back(options_.prompt + generated_text(captions[static_cast<size_t>(active[r])]));
    }
    const auto e = image_text_.embed_continuations(prefixes, continuations);  // [A * N, D]
    // clone(): an adapter may compute under InferenceMode, and inference tensors cannot be saved for backward.
    return e.reshape({static_cast<int64_t>(active.size()), n, e.size(1)}).to(device_, torch::kFloat).clone();
  }

  // What the vision target needs at one token: the candidates of each active event and their CLIP texts.
  struct Candidates {
    torch::Tensor ids;         // [A, N] int64
    torch::Tensor embeddings;  // [A, N, D]
  };
  Candidates candidates_of(const torch::Tensor& log_p, const std::vector<int64_t>& active,
                           const std::vector<std::vector<int64_t>>& captions) {
    const int64_t n = std::min<int64_t>(options_.n_candidates, log_p.size(1));
    Candidates c;
    c.ids = std::get<1>(log_p.detach().topk(n, 1));  // [A, N]
    c.embeddings = candidate_embeddings(active, c.ids, captions);
    return c;
  }

  // One caption per event, optimising as it goes (method.md section 4).
  std::vector<MomentResult> generate_round(int round, util::Progress& progress) {
    std::vector<std::vector<int64_t>> captions(static_cast<size_t>(k_));
    std::vector<int64_t> active(static_cast<size_t>(k_));
    for (int64_t k = 0; k < k_; ++k) active[k] = k;
    const bool verbose = util::log_enabled(LogLevel::kDebug);

    // The fluency anchor q: the plain LM on [hard prompt] [caption so far], its cache kept across tokens.
    KvCache q_cache;
    torch::Tensor log_q;  // [A, V]
    {
      torch::NoGradGuard no_grad;
      const auto base = prompt_embeds_.expand({k_, prompt_embeds_.size(1), prompt_embeds_.size(2)});
      log_q = torch::log_softmax(lm_.last_logits(base, &q_cache).to(torch::kFloat), 1);
    }

    for (int token = 0; token < options_.max_tokens && !active.empty(); ++token) {
      util::check_abort();
      const auto rows = torch::tensor(active, torch::kLong).to(device_);
      auto active_cpu = torch::zeros({k_}, torch::kBool);
      for (int64_t k : active) active_cpu[k] = true;
      const auto is_active = active_cpu.to(device_);  // [K]: finished events are frozen
      torch::Tensor caption_embeds;  // [A, L, C]
      if (token > 0) {
        torch::NoGradGuard no_grad;
        std::vector<int64_t> flat;
        for (int64_t k : active) flat.insert(flat.end(), captions[k].begin(), captions[k].end());
        const auto ids = torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(active.size()), token});
        caption_embeds = lm_.embed(ids.to(device_)).detach();
      }
      const auto q = log_q.exp();  // [A, V]

      Candidates cands;
      torch::Tensor log_p_before;  // [A, V], for the logs
      for (int step = 0; step < options_.n_steps; ++step) {
        const auto [masks, z] = moments();
        const auto log_p = torch::log_softmax(lm_.last_logits(prefixed_inputs(rows, z, caption_embeds), nullptr), 1);
        cands = candidates_of(log_p, active, captions);
        // The vision loss L_v = -sum_c s_kc log p_k[c] (section 4.3): it pulls the LM towards the words that
        // match the moment and, through z_k inside s_k, the moment towards what the words describe.
        const auto z_target = hooks_.cut_vision_gradient_to_masks ? z.detach() : z;
        const auto sims = cands.embeddings.bmm(z_target.index_select(0, rows).unsqueeze(2)).squeeze(2);  // [A, N]
        const auto loss_vision = -(torch::softmax(sims / tau_, 1) * log_p.gather(1, cands.ids)).sum();
        const auto loss_fluency = -(q * log_p).sum();
        const auto loss_iou = pairwise_iou_loss(masks);
        const auto loss = options_.lambda_vision * loss_vision + options_.lambda_fluency * loss_fluency +
                          options_.lambda_iou * loss_iou;
        for (auto* adam : {adam_prefix_.get(), adam_w_.get(), adam_a_.get(), adam_b_.get()}) adam->zero_grad();
        loss.backward();
        if (verbose) {
          if (step == 0) log_p_before = log_p.detach();
          char line[240];
          std::snprintf(line, sizeof line,
                        "round %d token %d step %d: L_v %.5f L_f %.5f L_iou %.5f L %.5f; |grad| P %.3g W %.3g a %.3g "
                        "b %.3g",
                        round, token, step, loss_vision.item<double>(), loss_fluency.item<double>(),
                        loss_iou.item<double>(), loss.item<double>(), norm_of(prefix_.grad()), norm_of(w_.grad()),
                        norm_of(a_.grad()), norm_of(b_.grad()));
          util::debug(line);
        }
        adam_prefix_->step(is_active);
        adam_w_->step(is_active);
        adam_a_->step(is_active);
        adam_b_->step(is_active);
      }

      // Choose each active event's token (method.md section 4): the LM's logits with the updated parameters,
      // the token rules applied to them (where ZeroCap applies its factors), fused with q, and - with the
      // posterior choice - CLIP's judgement of each candidate against the updated moment.
      std::vector<int64_t> chosen;
      {
        torch::NoGradGuard no_grad;
        const auto z = moments().second;
        const auto logits = lm_.last_logits(prefixed_inputs(rows, z, caption_embeds), nullptr).to(torch::kFloat);
        const auto log_p = torch::log_softmax(logits, 1);
        if (!cands.ids.defined()) cands = candidates_of(log_p, active, captions);  // --steps 0
        std::vector<torch::Tensor> adjusted;
        for (size_t r = 0; r < active.size(); ++r) {
          adjusted.push_back(rules_.apply(logits[static_cast<int64_t>(r)].to(torch::kCPU), captions[active[r]]));
        }
        const auto log_rules = torch::log_softmax(torch::stack(adjusted), 1);                 // [A, V] CPU
        auto scores = torch::log_softmax(options_.fusion * log_rules + (1.0 - options_.fusion) * log_q.to(torch::kCPU), 1);
        const auto sims = cands.embeddings.bmm(z.index_select(0, rows).unsqueeze(2)).squeeze(2);  // [A, N]
        const auto ids_cpu = cands.ids.to(torch::kCPU);
        if (options_.token_choice == TokenChoice::kPosterior) {
          // log prior + log likelihood, over the candidates only (CLIP judged nothing else).
          auto posterior = torch::full_like(scores, -std::numeric_limits<float>::infinity());
          posterior.scatter_(1, ids_cpu, scores.gather(1, ids_cpu) + (sims / tau_).to(torch::kCPU));
          scores = posterior;
        }
        for (size_t r = 0; r < active.size(); ++r) chosen.push_back(choose(scores[static_cast<int64_t>(r)]));
        if (verbose) log_choice(active, cands, sims, log_p_before, log_p, scores, chosen, z, rows);
      }

      if (hooks_.on_token) {
        torch::NoGradGuard no_grad;
        TokenTrace trace;
        trace.round = round;
        trace.token = token;
        trace.active.assign(static_cast<size_t>(k_), false);
        for (int64_t k : active) trace.active[static_cast<size_t>(k)] = true;
        trace.spans = mask_spans(a_, b_, geometry_);
        trace.soft_prompts = prefix_.detach().clone();
        trace.projection = w_.detach().clone();
        hooks_.on_token(trace);
      }

      // Append, retire finished events, and advance q for the others.
      std::vector<int64_t> still_active, keep_rows, next_ids;
      for (size_t r = 0; r < active.size(); ++r) {
        const int64_t k = active[r];
        captions[k].push_back(chosen[r]);
        const bool finished =
            chosen[r] == rules_.period_id() || static_cast<int>(captions[k].size()) >= options_.max_tokens;
        if (finished) continue;
        still_active.push_back(k);
        keep_rows.push_back(static_cast<int64_t>(r));
        next_ids.push_back(chosen[r]);
      }
      active = still_active;
      if (!active.empty()) {
        torch::NoGradGuard no_grad;
        q_cache.select_rows(torch::tensor(keep_rows, torch::kLong).to(device_));
        const auto ids = torch::tensor(next_ids, torch::kLong).reshape({static_cast<int64_t>(next_ids.size()), 1});
        log_q = torch::log_softmax(lm_.last_logits(lm_.embed(ids.to(device_)), &q_cache).to(torch::kFloat), 1);
      }
      progress.advance();
    }
    progress.update(int64_t{round + 1} * options_.max_tokens);
    return read_results(captions);
  }

  // -v: per event, how the step moved the LM towards CLIP's preferred candidate, and what was chosen.
  void log_choice(const std::vector<int64_t>& active, const Candidates& cands, const torch::Tensor& sims,
                  const torch::Tensor& log_p_before, const torch::Tensor& log_p_after, const torch::Tensor& scores,
                  const std::vector<int64_t>& chosen, const torch::Tensor& z, const torch::Tensor& rows) {
    const auto wz = z.index_select(0, rows).matmul(w_.t()).norm(2, 1).to(torch::kCPU);    // [A]
    const auto pk = prefix_.index_select(0, rows).norm(2, 2).mean(1).to(torch::kCPU);      // [A]
    const auto best_col = sims.argmax(1, true);                                             // [A, 1]
    const auto best = cands.ids.gather(1, best_col).squeeze(1).to(torch::kCPU);             // [A]
    const auto after = log_p_after.to(torch::kCPU);
    const auto before = log_p_before.defined() ? log_p_before.to(torch::kCPU) : after;
    for (size_t r = 0; r < active.size(); ++r) {
      const auto i = static_cast<int64_t>(r);
      const int64_t b = best[i].item<int64_t>();
      const auto rank = [&](const torch::Tensor& lp) { return (lp[i] > lp[i][b]).sum().item<int64_t>(); };
      char line[400];
      std::snprintf(line, sizeof line,
                    "  event %lld: CLIP prefers '%s': log p_k %.3f -> %.3f, rank %lld -> %lld; chosen '%s' (score "
                    "%.3f); |W z| %.3f |P| %.3f",
                    static_cast<long long>(active[r]), lm_.token_bytes(b).c_str(), before[i][b].item<double>(),
                    after[i][b].item<double>(), static_cast<long long>(rank(before)),
                    static_cast<long long>(rank(after)), lm_.token_bytes(chosen[r]).c_str(),
                    scores[i][chosen[r]].item<double>(), wz[i].item<double>(), pk[i].item<double>());
      util::debug(line);
    }
  }

  int64_t choose(const torch::Tensor& scores) {
    if (options_.decoding == Decoding::kGreedy) return scores.argmax().item<int64_t>();
    const auto top = scores.topk(std::min<int64_t>(options_.top_k, scores.size(0)));
    const auto probs = torch::softmax(std::get<0>(top).to(torch::kDouble), 0).contiguous();
    const auto ids = std::get<1>(top).contiguous();
    double x = uniform01(rng_);
    for (int64_t i = 0; i < probs.size(0); ++i) {
      x -= probs[i].item<double>();
      if (x < 0) return ids[i].item<int64_t>();
    }
    return ids[0].item<int64_t>();
  }

  std::vector<MomentResult> read_results(const std::vector<std::vector<int64_t>>& captions) {
    torch::NoGradGuard no_grad;
    const auto z = moments().second;  // [K, D]
    std::vector<std::string> texts;
    for (const auto& ids : captions) texts.push_back(trimmed_caption(generated_text(ids)));
    // The score of method.md section 5: the caption itself, without the prompt.
    const auto e = image_text_.embed_texts(texts).to(device_, torch::kFloat);  // [K, D]
    const auto scores = (e * z).sum(1).to(torch::kCPU, torch::kDouble).contiguous();
    const auto spans = mask_spans(a_, b_, geometry_);
    const auto prompt_norms = prefix_.norm(2, 2).mean(1).to(torch::kCPU, torch::kDouble).contiguous();  // [K]
    const auto projection_norms = z.matmul(w_.t()).norm(2, 1).to(torch::kCPU, torch::kDouble).contiguous();  // [K]
    std::vector<MomentResult> results;
    for (int64_t k = 0; k < k_; ++k) {
      results.push_back({spans[k], texts[k], scores[k].item<double>(), prompt_norms[k].item<double>(),
                         projection_norms[k].item<double>()});
    }
    return results;
  }

  ImageTextModel& image_text_;
  CausalLm& lm_;
  MethodOptions options_;
  OptimiserHooks hooks_;
  TokenRules rules_;
  std::mt19937_64 rng_;  // top-k sampling
  double tau_;           // temperature of the vision target and of CLIP's likelihood
  torch::Device device_ = torch::kCPU;
  torch::Tensor frames_;  // [T, D]
  torch::Tensor u_;       // [T] normalised frame times
  MaskGeometry geometry_;
  int64_t k_ = 0;
  torch::Tensor a_, b_;            // [K] mask parameters
  std::vector<int64_t> base_ids_;  // hard prompt tokens
  torch::Tensor prompt_embeds_;    // [1, H, C]
  torch::Tensor prefix_;           // [K, n_prefix, C] soft prompts P_k
  torch::Tensor w_;                // [C, D] projection of z_k, shared
  std::unique_ptr<RowAdam> adam_prefix_, adam_w_, adam_a_, adam_b_;
};

void check_video(const VideoFrames& video) {
  if (!video.embeddings.defined() || video.embeddings.dim() != 2 || video.embeddings.size(0) == 0) {
    throw Error(ErrorCode::kInvalidArgument, "captioning needs frame embeddings of shape [T, D] with T > 0");
  }
  if (static_cast<int64_t>(video.times_s.size()) != video.embeddings.size(0)) {
    throw Error(ErrorCode::kInvalidArgument, "captioning: " + std::to_string(video.times_s.size()) +
                                                 " frame times for " + std::to_string(video.embeddings.size(0)) +
                                                 " frame embeddings");
  }
  if (!(video.duration_s > 0) || !std::isfinite(video.duration_s)) {
    throw Error(ErrorCode::kInvalidArgument, "captioning needs a positive, finite video duration");
  }
}

}  // namespace

void validate(const MethodOptions& options) {
  CaptionOptions all;
  all.method = options;
  validate(all);
}

double vision_temperature(const MethodOptions& options, const ImageTextModel& image_text) {
  if (options.clip_temperature > 0) return options.clip_temperature;
  const double own = image_text.temperature();
  if (!(own > 0) || !std::isfinite(own)) {
    throw Error(ErrorCode::kCorruptModel, "the image-text model's temperature is not a positive number");
  }
  return own;
}

void check_fits(const CausalLm& lm, const MethodOptions& options) {
  const int64_t prompt = std::max<int64_t>(1, static_cast<int64_t>(lm.encode(options.prompt).size()));
  const int64_t longest = options.n_prefix + 1 + prompt + options.max_tokens;
  if (longest > lm.max_positions()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--max-tokens " + std::to_string(options.max_tokens) + ": with " + std::to_string(options.n_prefix) +
                    " soft prompts, the moment and a " + std::to_string(prompt) + "-token prompt the input would be " +
                    std::to_string(longest) + " positions; the language model takes at most " +
                    std::to_string(lm.max_positions()) + " (so --max-tokens at most " +
                    std::to_string(lm.max_positions() - options.n_prefix - 1 - prompt) + ")");
  }
}

std::vector<MomentResult> optimise_moments(const VideoFrames& video, const std::vector<Span>& initial,
                                           ImageTextModel& image_text, CausalLm& lm, const MethodOptions& options,
                                           const OptimiserHooks& hooks) {
  validate(options);
  check_fits(lm, options);
  check_video(video);
  if (initial.empty()) return {};
  Optimiser optimiser(video, initial, image_text, lm, options, hooks);
  return optimiser.run();
}

std::vector<Event> read_out(const VideoFrames& video, const std::vector<MomentResult>& results,
                            ImageTextModel& image_text, const MethodOptions& options) {
  check_video(video);
  std::vector<Event> events;
  for (const auto& r : results) {
    events.push_back({r.span.start * video.duration_s, r.span.end * video.duration_s, r.caption, r.score});
  }
  if (options.fixed_masks) return finalize_events(std::move(events), options.duplicate_tiou);
  const double spacing_s = video.duration_s / static_cast<double>(video.embeddings.size(0));
  if (options.merge_same_captions) events = merge_same_captions(std::move(events), spacing_s);
  if (options.refit_edges && events.size() > 1) {
    torch::NoGradGuard no_grad;
    std::vector<std::string> texts;
    std::vector<Span> spans;
    for (const auto& e : events) {
      texts.push_back(e.caption);
      spans.push_back({e.start_s / video.duration_s, e.end_s / video.duration_s});
    }
    std::vector<double> u;
    for (double t : video.times_s) u.push_back(std::clamp(t / video.duration_s, 0.0, 1.0));
    const auto text_embeddings = image_text.embed_texts(texts).to(video.embeddings.device(), torch::kFloat);
    const auto refitted = refit_spans(video.embeddings.to(torch::kFloat), u, text_embeddings, texts, spans);
    // An event whose caption is the best description of none of its frames is not an event of its own.
    std::vector<Event> supported;
    for (size_t i = 0; i < events.size(); ++i) {
      if (refitted[i].support == 0) continue;
      events[i].start_s = refitted[i].span.start * video.duration_s;
      events[i].end_s = refitted[i].span.end * video.duration_s;
      supported.push_back(std::move(events[i]));
    }
    if (!supported.empty()) events = std::move(supported);
    // Re-fitted pieces of one scene may now touch.
    if (options.merge_same_captions) events = merge_same_captions(std::move(events), spacing_s);
  }
  if (options.refit_edges && events.size() == 1) {
    // A lone event: no other caption tells any of the frames apart from the rest, so it covers the video.
    events[0].start_s = 0;
    events[0].end_s = video.duration_s;
  }
  return finalize_events(std::move(events), options.duplicate_tiou);
}

std::vector<Event> caption_video(const VideoFrames& video, ImageTextModel& image_text, CausalLm& lm,
                                 const MethodOptions& options) {
  validate(options);
  check_video(video);
  const auto initial = options.fixed_masks
                           ? even_spans(std::max(1, options.events))
                           : structure_spans(video.embeddings, video.times_s, video.duration_s, options);
  util::debug("captioning: " + std::to_string(initial.size()) + " events");
  return read_out(video, optimise_moments(video, initial, image_text, lm, options), image_text, options);
}

}  // namespace vidscribe::caption
