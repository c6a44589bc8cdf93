#include "caption/zerota.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <random>

#include "caption/events.h"
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

// The state of one video's optimisation: the learned parameters and the fixed inputs.
class Optimiser {
 public:
  Optimiser(const VideoFrames& video, const std::vector<Span>& initial, ImageTextModel& image_text, CausalLm& lm,
            const CaptionOptions& options)
      : image_text_(image_text), lm_(lm), options_(options), rules_(lm, options), rng_(options.seed) {
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
    a_frozen_ = a_.detach().clone();
    b_frozen_ = b_.detach().clone();

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

    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{prefix_, w_},
                        std::make_unique<torch::optim::AdamOptions>(options.lr_prefix));
    if (!options.fixed_masks) {
      groups.emplace_back(std::vector<torch::Tensor>{a_, b_}, std::make_unique<torch::optim::AdamOptions>(options.lr_mask));
    }
    adam_ = std::make_unique<torch::optim::Adam>(std::move(groups), torch::optim::AdamOptions(options.lr_prefix));
  }

  std::vector<MomentResult> run() {
    // On the CPU the work is matrix products (BLAS threads) and many small operations (one thread).
    const nn::detail::BlasThreadsOnly threads(device_.is_cpu());
    std::vector<MomentResult> best(static_cast<size_t>(k_));
    util::Progress progress("captioning " + std::to_string(k_) + (k_ == 1 ? " event" : " events"),
                            int64_t{options_.rounds} * options_.max_tokens, "tok");
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
  // masks [K, T] and moment embeddings z [K, D]; finished events' masks are constants.
  std::pair<torch::Tensor, torch::Tensor> moments(const torch::Tensor& done) {
    const auto a = torch::where(done, a_.detach(), a_);
    const auto b = torch::where(done, b_.detach(), b_);
    const auto masks = soft_masks(a, b, u_, geometry_);
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

  // CLIP text embeddings of prompt + caption so far + each candidate: candidates [A, N] -> [A, N, D].
  // Constants of the optimisation (only z_k carries gradient, method.md section 7).
  torch::Tensor candidate_embeddings(const std::vector<int64_t>& active, const torch::Tensor& candidates,
                                     const std::vector<std::vector<int64_t>>& captions) {
    torch::NoGradGuard no_grad;
    const auto cpu = candidates.to(torch::kCPU).contiguous();
    const int64_t n = cpu.size(1);
    std::vector<torch::Tensor> rows;
    for (size_t r = 0; r < active.size(); ++r) {
      const auto* ids = cpu[static_cast<int64_t>(r)].data_ptr<int64_t>();
      std::vector<std::string> continuations;
      continuations.reserve(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) continuations.push_back(lm_.token_bytes(ids[j]));
      rows.push_back(image_text_.embed_continuations(options_.prompt + generated_text(captions[active[r]]),
                                                     continuations));
    }
    // clone(): an adapter may compute under InferenceMode, and inference tensors cannot be saved for backward.
    return torch::stack(rows).to(device_, torch::kFloat).clone();
  }

  // One caption per event, optimising as it goes (method.md section 4).
  std::vector<MomentResult> generate_round(int round, util::Progress& progress) {
    std::vector<std::vector<int64_t>> captions(static_cast<size_t>(k_));
    std::vector<int64_t> active(static_cast<size_t>(k_));
    for (int64_t k = 0; k < k_; ++k) active[k] = k;
    auto done = torch::zeros({k_}, torch::TensorOptions().dtype(torch::kBool).device(device_));
    const int64_t vocab = lm_.vocab_size();
    const int64_t n_candidates = std::min<int64_t>(options_.n_candidates, vocab);

    // The fluency anchor q: the plain LM on [hard prompt] [caption so far], its cache kept across tokens.
    KvCache q_cache;
    torch::Tensor log_q;  // [A, V]
    {
      torch::NoGradGuard no_grad;
      const auto base = prompt_embeds_.expand({k_, prompt_embeds_.size(1), prompt_embeds_.size(2)});
      log_q = torch::log_softmax(lm_.last_logits(base, &q_cache).to(torch::kFloat), 1);
    }

    for (int token = 0; token < options_.max_tokens && !active.empty(); ++token) {
      const auto rows = torch::tensor(active, torch::kLong).to(device_);
      torch::Tensor caption_embeds;  // [A, L, C]
      if (token > 0) {
        torch::NoGradGuard no_grad;
        std::vector<int64_t> flat;
        for (int64_t k : active) flat.insert(flat.end(), captions[k].begin(), captions[k].end());
        const auto ids = torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(active.size()), token});
        caption_embeds = lm_.embed(ids.to(device_)).detach();
      }
      const auto q = log_q.exp();  // [A, V]

      for (int step = 0; step < options_.n_steps; ++step) {
        adam_->zero_grad();
        const auto [masks, z] = moments(done);
        const auto log_p = torch::log_softmax(lm_.last_logits(prefixed_inputs(rows, z, caption_embeds), nullptr), 1);

        const auto candidates = std::get<1>(log_p.detach().topk(n_candidates, 1));             // [A, N]
        const auto e = candidate_embeddings(active, candidates, captions);                      // [A, N, D]
        const auto sims = e.bmm(z.index_select(0, rows).unsqueeze(2)).squeeze(2);               // [A, N]
        const auto s = torch::softmax(sims / options_.clip_temperature, 1);                     // [A, N]
        const auto loss_vision = -(s * log_p.gather(1, candidates)).sum();
        const auto loss_fluency = -(q * log_p).sum();
        const auto loss_iou = pairwise_iou_loss(masks);
        const auto loss = options_.lambda_vision * loss_vision + options_.lambda_fluency * loss_fluency +
                          options_.lambda_iou * loss_iou;
        loss.backward();
        adam_->step();
        {
          torch::NoGradGuard no_grad;  // finished events keep their moments
          a_.copy_(torch::where(done, a_frozen_, a_));
          b_.copy_(torch::where(done, b_frozen_, b_));
        }
        if (util::verbosity() >= util::Verbosity::kVerbose) {
          char line[160];
          std::snprintf(line, sizeof line, "round %d token %d step %d: L_v %.5f L_f %.5f L_iou %.5f L %.5f", round,
                        token, step, loss_vision.item<double>(), loss_fluency.item<double>(),
                        loss_iou.item<double>(), loss.item<double>());
          util::debug(line);
        }
      }

      // Choose each active event's token from p_k with the updated parameters, fused with q.
      std::vector<int64_t> chosen;
      {
        torch::NoGradGuard no_grad;
        const auto z = moments(done).second;
        const auto log_p = torch::log_softmax(lm_.last_logits(prefixed_inputs(rows, z, caption_embeds), nullptr), 1);
        const auto fused = torch::log_softmax(options_.fusion * log_p + (1.0 - options_.fusion) * log_q, 1)
                               .to(torch::kCPU);
        for (size_t r = 0; r < active.size(); ++r) {
          chosen.push_back(choose(rules_.apply(fused[static_cast<int64_t>(r)], captions[active[r]])));
        }
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
      if (still_active.size() != active.size()) {
        torch::NoGradGuard no_grad;
        auto done_cpu = torch::ones({k_}, torch::kBool);
        for (int64_t k : still_active) done_cpu[k] = false;
        done = done_cpu.to(device_);
        a_frozen_ = a_.detach().clone();
        b_frozen_ = b_.detach().clone();
      }
      active = still_active;
      if (!active.empty()) {
        torch::NoGradGuard no_grad;
        const auto keep = torch::tensor(keep_rows, torch::kLong).to(device_);
        q_cache.select_rows(keep);
        const auto ids = torch::tensor(next_ids, torch::kLong).reshape({static_cast<int64_t>(next_ids.size()), 1});
        log_q = torch::log_softmax(lm_.last_logits(lm_.embed(ids.to(device_)), &q_cache).to(torch::kFloat), 1);
      }
      progress.advance();
    }
    progress.update(int64_t{round + 1} * options_.max_tokens);
    return read_results(captions);
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
    const auto none_done = torch::zeros({k_}, torch::TensorOptions().dtype(torch::kBool).device(device_));
    const auto z = moments(none_done).second;  // [K, D]
    std::vector<std::string> texts;
    for (const auto& ids : captions) texts.push_back(options_.prompt + generated_text(ids));
    const auto e = image_text_.embed_texts(texts).to(device_, torch::kFloat);  // [K, D]
    const auto scores = (e * z).sum(1).to(torch::kCPU, torch::kDouble).contiguous();
    const auto spans = mask_spans(a_, b_, geometry_);
    std::vector<MomentResult> results;
    for (int64_t k = 0; k < k_; ++k) {
      results.push_back({spans[k], trimmed_caption(generated_text(captions[k])), scores[k].item<double>()});
    }
    return results;
  }

  ImageTextModel& image_text_;
  CausalLm& lm_;
  CaptionOptions options_;
  TokenRules rules_;
  std::mt19937_64 rng_;  // top-k sampling
  torch::Device device_ = torch::kCPU;
  torch::Tensor frames_;  // [T, D]
  torch::Tensor u_;       // [T] normalised frame times
  MaskGeometry geometry_;
  int64_t k_ = 0;
  torch::Tensor a_, b_;                // [K] mask parameters
  torch::Tensor a_frozen_, b_frozen_;  // [K] values restored for finished events
  std::vector<int64_t> base_ids_;      // hard prompt tokens
  torch::Tensor prompt_embeds_;        // [1, H, C]
  torch::Tensor prefix_;               // [K, n_prefix, C] soft prompts P_k
  torch::Tensor w_;                    // [C, D] projection of z_k, shared
  std::unique_ptr<torch::optim::Adam> adam_;
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
  if (!(video.duration_s > 0)) {
    throw Error(ErrorCode::kInvalidArgument, "captioning needs a positive video duration");
  }
}

}  // namespace

void validate(const CaptionOptions& o) {
  auto fail = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, "invalid option: " + what); };
  if (o.events < 0 || o.events > 1000) fail("events must be 0 (automatic) .. 1000");
  if (o.min_events < 1 || o.max_events < o.min_events) fail("need 1 <= min_events <= max_events");
  if (!(o.change_window_s > 0)) fail("change_window_s must be positive");
  if (!(o.min_segment_s >= 0)) fail("min_segment_s must be >= 0");
  if (!(o.min_width_frames > 0)) fail("min_width_frames must be positive");
  if (!(o.tau_frames > 0)) fail("tau_frames must be positive");
  if (o.n_prefix < 0) fail("n_prefix must be >= 0");
  if (!(o.prefix_noise_std >= 0)) fail("prefix_noise_std must be >= 0");
  if (o.n_candidates < 1) fail("n_candidates must be >= 1");
  if (!(o.clip_temperature > 0)) fail("clip_temperature must be positive");
  if (!(o.lambda_vision >= 0 && o.lambda_fluency >= 0 && o.lambda_iou >= 0)) fail("loss weights must be >= 0");
  if (o.n_steps < 0) fail("n_steps must be >= 0");
  if (!(o.lr_prefix >= 0 && o.lr_mask >= 0)) fail("learning rates must be >= 0");
  if (!(o.fusion >= 0 && o.fusion <= 1)) fail("fusion must be in [0, 1]");
  if (!(o.start_end_factor >= 1 && o.end_factor >= 1 && o.repetition_penalty >= 1 && o.forbidden_factor >= 1)) {
    fail("token factors must be >= 1");
  }
  if (o.repetition_window < 0 || o.no_repeat_ngram < 0) fail("repetition_window and no_repeat_ngram must be >= 0");
  if (o.top_k < 1) fail("top_k must be >= 1");
  if (o.max_tokens < 1 || o.min_tokens < 0 || o.min_tokens > o.max_tokens) fail("need 0 <= min_tokens <= max_tokens, max_tokens >= 1");
  if (o.rounds < 1) fail("rounds must be >= 1");
  if (!(o.duplicate_tiou >= 0 && o.duplicate_tiou <= 1)) fail("duplicate_tiou must be in [0, 1]");
}

std::vector<MomentResult> optimise_moments(const VideoFrames& video, const std::vector<Span>& initial,
                                           ImageTextModel& image_text, CausalLm& lm, const CaptionOptions& options) {
  validate(options);
  check_video(video);
  if (initial.empty()) return {};
  Optimiser optimiser(video, initial, image_text, lm, options);
  return optimiser.run();
}

std::vector<Event> caption_video(const VideoFrames& video, ImageTextModel& image_text, CausalLm& lm,
                                 const CaptionOptions& options) {
  validate(options);
  check_video(video);
  const auto initial = options.fixed_masks
                           ? even_spans(std::max(1, options.events))
                           : structure_spans(video.embeddings, video.times_s, video.duration_s, options);
  util::debug("captioning: " + std::to_string(initial.size()) + " events");
  const auto results = optimise_moments(video, initial, image_text, lm, options);
  std::vector<Event> events;
  for (const auto& r : results) {
    events.push_back({r.span.start * video.duration_s, r.span.end * video.duration_s, r.caption, r.score});
  }
  return finalize_events(std::move(events), options.duplicate_tiou);
}

}  // namespace vidscribe::caption
