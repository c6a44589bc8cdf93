// The public C++ API (vidscribe/vidscribe.h) over the subsystems. Every entry point runs through guarded():
// the caller's callbacks and thread count for the call's duration, and every failure turned into a
// vidscribe::Error, libtorch's included (its message without libtorch's C++ backtrace).
#include "vidscribe/vidscribe.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <new>
#include <string>
#include <thread>
#include <utility>

#include "caption/option_table.h"
#include "caption/pipeline.h"
#include "export/export.h"
#include "media/image.h"
#include "media/preprocess.h"
#include "models/cache.h"
#include "models/registry.h"
#include "nn/runtime.h"
#include "util/log.h"

namespace vidscribe {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxThreads = 1024;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The calling thread's intra-op thread count for one call, restored afterwards (OpenMP's count is per
// thread, so contexts on different threads keep their own).
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : previous_(at::get_num_threads()) {
    const int wanted = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (wanted != previous_) {
      nn::set_threads(wanted);
      changed_ = true;
    }
  }
  ~ScopedThreads() {
    if (changed_) nn::set_threads(previous_);
  }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
  bool changed_ = false;
};

Error out_of_memory(const std::string& what) {
  return Error(ErrorCode::kOutOfMemory,
               what + " (fewer --candidates, a smaller --frame-batch or --max-frames, or --device cpu need less)");
}

// Runs `body` as one API call: the caller's callbacks and thread count, every failure a vidscribe::Error.
template <typename F>
auto guarded(const Callbacks& callbacks, int threads, F&& body) -> decltype(body()) {
  util::ScopedCallbacks scope(callbacks);
  try {
    if (threads < 0 || threads > kMaxThreads) {
      throw Error(ErrorCode::kInvalidArgument,
                  "threads must be in [0, " + std::to_string(kMaxThreads) + "], got " + std::to_string(threads));
    }
    ScopedThreads scoped_threads(threads);
    return body();
  } catch (const Error&) {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    throw out_of_memory("out of GPU memory: " + first_line(e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    const std::string message = first_line(e.what_without_backtrace());
    if (message.find("out of memory") != std::string::npos) throw out_of_memory(message);
    throw Error(ErrorCode::kInternal, "libtorch: " + message);
  } catch (const std::bad_alloc&) {
    throw out_of_memory("out of memory");
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorCode::kIo, e.what());  // the operating system refused a file operation
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  }
}

const caption::OptionSpec& option_spec(const std::string& name) {
  std::string bare = name;
  while (!bare.empty() && bare.front() == '-') bare.erase(bare.begin());
  std::replace(bare.begin(), bare.end(), '_', '-');
  const caption::OptionSpec* spec = caption::find_option(bare);
  if (spec == nullptr) throw Error(ErrorCode::kInvalidArgument, "unknown option: " + name);
  return *spec;
}

Embeddings to_embeddings(const torch::Tensor& rows) {  // [N, D] on any device
  const torch::Tensor cpu = rows.to(torch::kCPU, torch::kFloat32).contiguous();
  Embeddings e;
  e.rows = cpu.size(0);
  e.dim = cpu.size(1);
  e.data.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  return e;
}

}  // namespace

const char* version() { return VIDSCRIBE_VERSION_STRING; }

ContextParams default_context_params() { return ContextParams{}; }
CaptionParams default_caption_params() { return CaptionParams{}; }

void set_option(CaptionOptions& options, const std::string& name, const std::string& value) {
  const caption::OptionSpec& spec = option_spec(name);
  spec.set(options, caption::parse_value(spec, value));
}

std::string get_option(const CaptionOptions& options, const std::string& name) {
  return option_spec(name).get(options).dump();
}

std::vector<OptionInfo> caption_options() {
  std::vector<OptionInfo> out;
  const CaptionOptions defaults;
  for (const caption::OptionSpec& spec : caption::option_table()) {
    using Type = caption::OptionSpec::Type;
    const char* type = spec.type == Type::kInt      ? "int"
                       : spec.type == Type::kUInt   ? "uint"
                       : spec.type == Type::kDouble ? "float"
                       : spec.type == Type::kBool   ? "bool"
                       : spec.type == Type::kChoice ? "choice"
                                                    : "text";
    out.push_back({spec.name, spec.group, spec.help, type, spec.get(defaults).dump(), spec.range_text()});
  }
  return out;
}

void check_options(const CaptionOptions& options) { caption::validate(options); }

std::string options_json(const CaptionOptions& options) { return caption::options_record(options).dump(); }

std::string render_captions(const std::string& format, const std::vector<VideoCaptions>& videos) {
  return exporter::render(exporter::parse_format(format), videos);
}

void write_captions(const std::string& path, const std::string& format, const std::vector<VideoCaptions>& videos) {
  exporter::write_output(path, exporter::parse_format(format), videos);
}

std::string output_format_for(const std::string& path) {
  const auto f = exporter::format_from_extension(path);
  return f ? exporter::format_name(*f) : std::string();
}

std::vector<std::string> output_formats() { return exporter::format_names(); }

struct Context::Impl {
  std::string preset;
  int threads = 0;
  std::unique_ptr<caption::Captioner> captioner;

  caption::PipelineOptions pipeline(const CaptionParams& params) const {
    caption::PipelineOptions p;
    p.options = params.options;
    if (params.use_frame_cache) {
      p.cache_dir = params.frame_cache.empty() ? caption::default_frame_cache_dir() : fs::path(params.frame_cache);
    }
    return p;
  }

  // The "options" record of a result: every option, and the preset the models came from.
  std::string record(const CaptionOptions& options) const {
    nlohmann::json r = caption::options_record(options);
    r["preset"] = preset;
    return r.dump();
  }
};

Context::Context(const ContextParams& params) : impl_(std::make_unique<Impl>()) {
  guarded(params.callbacks, params.threads, [&] {
    const models::Preset* preset = models::find_preset(params.preset);
    if (preset == nullptr) {
      throw Error(ErrorCode::kInvalidArgument, "preset " + params.preset + ": expected paper or fast");
    }
    const fs::path cache = params.models_cache;
    const fs::path clip_dir = models::resolve_model(params.clip.empty() ? preset->clip : params.clip, cache);
    const fs::path lm_dir =
        params.language_model ? models::resolve_model(params.lm.empty() ? preset->gpt2 : params.lm, cache) : fs::path();
    util::check_abort();
    impl_->preset = preset->name;
    impl_->threads = params.threads;
    impl_->captioner = std::make_unique<caption::Captioner>(clip_dir, lm_dir, nn::parse_device(params.device));
  });
}

Context::~Context() = default;
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;

VideoCaptions Context::caption_file(const std::string& path, const CaptionParams& params) {
  return guarded(params.callbacks, impl_->threads, [&] {
    VideoCaptions r = impl_->captioner->caption(path, impl_->pipeline(params));
    r.options_json = impl_->record(params.options);
    return r;
  });
}

VideoCaptions Context::caption_frames(const Embeddings& frames, const std::vector<double>& times_s, double duration_s,
                                      const CaptionParams& params) {
  return guarded(params.callbacks, impl_->threads, [&] {
    const int64_t dim = impl_->captioner->clip().dim();
    if (frames.rows < 1 || frames.dim != dim || frames.data.size() != static_cast<size_t>(frames.rows * frames.dim) ||
        times_s.size() != static_cast<size_t>(frames.rows)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "caption_frames needs one time per frame and rows of CLIP's dimension " + std::to_string(dim) +
                      ", got " + std::to_string(frames.rows) + " rows of " + std::to_string(frames.dim) + " and " +
                      std::to_string(times_s.size()) + " times");
    }
    if (!std::isfinite(duration_s) || !(duration_s > 0)) {
      throw Error(ErrorCode::kInvalidArgument, "the video's duration must be a positive number of seconds");
    }
    caption::FrameEmbeddings fe;
    fe.dim = frames.dim;
    fe.duration_s = duration_s;
    fe.times_s = times_s;
    fe.data = frames.data;
    for (int64_t t = 0; t < frames.rows; ++t) {
      const double time = times_s[static_cast<size_t>(t)];
      if (!std::isfinite(time) || time < 0 || time > duration_s ||
          (t > 0 && !(time > times_s[static_cast<size_t>(t - 1)]))) {
        throw Error(ErrorCode::kInvalidArgument, "frame times must increase within [0, duration]: frame " +
                                                     std::to_string(t) + " is at " + std::to_string(time) + " s");
      }
      float* row = fe.data.data() + t * fe.dim;
      double norm = 0;
      for (int64_t j = 0; j < fe.dim; ++j) norm += static_cast<double>(row[j]) * row[j];
      if (!std::isfinite(norm) || !(norm > 0)) {
        throw Error(ErrorCode::kInvalidArgument, "frame " + std::to_string(t) + "'s embedding is zero or not finite");
      }
      const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
      for (int64_t j = 0; j < fe.dim; ++j) row[j] *= inv;
    }
    VideoCaptions r = impl_->captioner->caption_frames(std::move(fe), "", impl_->pipeline(params));
    r.options_json = impl_->record(params.options);
    return r;
  });
}

VideoEmbeddings Context::embed_frames(const std::string& path, const CaptionParams& params) {
  return guarded(params.callbacks, impl_->threads, [&] {
    caption::validate(params.options);
    const VideoOptions& v = params.options.video;
    const caption::PipelineOptions p = impl_->pipeline(params);
    caption::FrameEmbeddings fe = impl_->captioner->frame_embeddings(
        path, caption::FrameSource::from(v, p.cache_dir), v.whole ? 0.0 : v.window_s);
    VideoEmbeddings out;
    out.times_s = std::move(fe.times_s);
    out.frames.rows = static_cast<int64_t>(out.times_s.size());
    out.frames.dim = fe.dim;
    out.frames.data = std::move(fe.data);
    out.duration_s = fe.duration_s;
    return out;
  });
}

Embeddings Context::embed_texts(const std::vector<std::string>& texts, const Callbacks& callbacks) {
  return guarded(callbacks, impl_->threads, [&] {
    if (texts.empty()) throw Error(ErrorCode::kInvalidArgument, "no texts to embed");
    torch::NoGradGuard no_grad;
    return to_embeddings(impl_->captioner->clip().embed_texts(texts));
  });
}

Embeddings Context::embed_images(const std::vector<std::string>& paths, const Callbacks& callbacks) {
  return guarded(callbacks, impl_->threads, [&] {
    if (paths.empty()) throw Error(ErrorCode::kInvalidArgument, "no images to embed");
    const nn::ClipPreprocessConfig& c = impl_->captioner->preprocess();
    media::ClipPreprocessOptions pre;
    pre.resize_short_side = c.shortest_edge;
    pre.crop_size = c.image_size;
    pre.mean = c.mean;
    pre.std = c.std;
    std::vector<media::ImageTensor> batch;
    for (const std::string& path : paths) {
      util::check_abort();
      batch.push_back(media::preprocess_clip(media::read_image(path), pre));
    }
    torch::NoGradGuard no_grad;
    return to_embeddings(impl_->captioner->clip().embed_frames(caption::stack_frames(batch)));
  });
}

std::string Context::model_json() const { return impl_->captioner->model_json(); }

}  // namespace vidscribe
