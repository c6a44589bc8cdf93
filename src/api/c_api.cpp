// The C interface (vidscribe/vidscribe_c.h) over the C++ one: every call catches what the C++ API throws
// and turns it into a return code and this thread's last-error message.
#include "vidscribe/vidscribe_c.h"

#include <exception>
#include <memory>
#include <new>
#include <string>

#include "export/export.h"
#include "vidscribe/vidscribe.h"

struct vidscribe_context {
  vidscribe::Context context;
};

struct vidscribe_params {
  vidscribe::CaptionParams params;
};

struct vidscribe_result {
  vidscribe::VideoCaptions captions;
  std::string json;
};

namespace {

thread_local std::string t_last_error;

const char* or_default(const char* s, const char* fallback) { return s != nullptr ? s : fallback; }

// Runs `body`, returning VIDSCRIBE_OK or the failure's code with its message kept for vidscribe_last_error.
template <typename F>
int call(F&& body) {
  try {
    body();
    t_last_error.clear();
    return VIDSCRIBE_OK;
  } catch (const vidscribe::Error& e) {
    t_last_error = e.what();
    return vidscribe::exit_status(e.code());
  } catch (const std::bad_alloc&) {
    t_last_error = "out of memory";
    return VIDSCRIBE_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    t_last_error = std::string("internal error: ") + e.what();
    return VIDSCRIBE_ERR_INTERNAL;
  }
}

vidscribe::Callbacks to_callbacks(vidscribe_log_fn log, int log_level, vidscribe_progress_fn progress,
                                  vidscribe_abort_fn abort, void* user_data) {
  vidscribe::Callbacks c;
  if (log != nullptr) {
    c.log = [log, user_data](vidscribe::LogLevel level, const std::string& message) {
      log(static_cast<int>(level), message.c_str(), user_data);
    };
  }
  c.log_level = log_level <= VIDSCRIBE_LOG_DEBUG  ? vidscribe::LogLevel::kDebug
                : log_level >= VIDSCRIBE_LOG_WARNING ? vidscribe::LogLevel::kWarning
                                                     : vidscribe::LogLevel::kInfo;
  if (progress != nullptr) {
    c.progress = [progress, user_data](const std::string& stage, int64_t done, int64_t total) {
      progress(stage.c_str(), done, total, user_data);
    };
  }
  if (abort != nullptr) c.abort = [abort, user_data] { return abort(user_data) != 0; };
  return c;
}

int null_argument(const char* what) {
  t_last_error = std::string(what) + " is NULL";
  return VIDSCRIBE_ERR_INVALID_ARGUMENT;
}

}  // namespace

extern "C" {

vidscribe_context_params vidscribe_context_default_params(void) {
  vidscribe_context_params p{};
  p.preset = "paper";
  p.device = "cpu";
  p.log_level = VIDSCRIBE_LOG_INFO;
  return p;
}

int vidscribe_context_new(const vidscribe_context_params* params, vidscribe_context** out) {
  if (out == nullptr) return null_argument("out");
  *out = nullptr;
  if (params == nullptr) return null_argument("params");
  return call([&] {
    vidscribe::ContextParams p;
    p.preset = or_default(params->preset, "paper");
    p.clip = or_default(params->clip, "");
    p.lm = or_default(params->lm, "");
    p.models_cache = or_default(params->models_cache, "");
    p.device = or_default(params->device, "cpu");
    p.threads = params->threads;
    p.callbacks = to_callbacks(params->log, params->log_level, nullptr, nullptr, params->user_data);
    *out = new vidscribe_context{vidscribe::Context(p)};
  });
}

void vidscribe_context_free(vidscribe_context* ctx) { delete ctx; }

vidscribe_params* vidscribe_default_params(void) { return new (std::nothrow) vidscribe_params{}; }

void vidscribe_params_free(vidscribe_params* params) { delete params; }

int vidscribe_params_set(vidscribe_params* params, const char* name, const char* value) {
  if (params == nullptr) return null_argument("params");
  if (name == nullptr) return null_argument("name");
  if (value == nullptr) return null_argument("value");
  return call([&] {
    const std::string n = name;
    if (n == "frame-cache") {
      params->params.frame_cache = value;
    } else if (n == "no-cache") {
      const std::string v = value;
      if (v != "true" && v != "false") {
        throw vidscribe::Error(vidscribe::ErrorCode::kInvalidArgument, "no-cache: expected true or false");
      }
      params->params.use_frame_cache = v == "false";
    } else {
      vidscribe::set_option(params->params.options, n, value);
    }
  });
}

void vidscribe_params_set_callbacks(vidscribe_params* params, vidscribe_log_fn log, int log_level,
                                    vidscribe_progress_fn progress, vidscribe_abort_fn abort, void* user_data) {
  if (params != nullptr) params->params.callbacks = to_callbacks(log, log_level, progress, abort, user_data);
}

int vidscribe_caption_file(vidscribe_context* ctx, const char* path, const vidscribe_params* params,
                           vidscribe_result** out) {
  if (out == nullptr) return null_argument("out");
  *out = nullptr;
  if (ctx == nullptr) return null_argument("ctx");
  if (path == nullptr) return null_argument("path");
  return call([&] {
    auto result = std::make_unique<vidscribe_result>();
    result->captions = ctx->context.caption_file(path, params != nullptr ? params->params
                                                                          : vidscribe::default_caption_params());
    result->json = vidscribe::exporter::render(vidscribe::exporter::Format::kJson, {result->captions});
    *out = result.release();
  });
}

double vidscribe_result_duration(const vidscribe_result* result) {
  return result != nullptr ? result->captions.duration_s : 0.0;
}

size_t vidscribe_result_n_events(const vidscribe_result* result) {
  return result != nullptr ? result->captions.events.size() : 0;
}

int vidscribe_result_event(const vidscribe_result* result, size_t i, double* start_s, double* end_s,
                           const char** caption, double* score) {
  if (result == nullptr) return null_argument("result");
  if (i >= result->captions.events.size()) {
    t_last_error = "event " + std::to_string(i) + " of " + std::to_string(result->captions.events.size());
    return VIDSCRIBE_ERR_INVALID_ARGUMENT;
  }
  const vidscribe::Event& e = result->captions.events[i];
  if (start_s != nullptr) *start_s = e.start_s;
  if (end_s != nullptr) *end_s = e.end_s;
  if (caption != nullptr) *caption = e.caption.c_str();
  if (score != nullptr) *score = e.score;
  return VIDSCRIBE_OK;
}

const char* vidscribe_result_json(const vidscribe_result* result) {
  return result != nullptr ? result->json.c_str() : "";
}

void vidscribe_result_free(vidscribe_result* result) { delete result; }

const char* vidscribe_last_error(void) { return t_last_error.c_str(); }

const char* vidscribe_version(void) { return vidscribe::version(); }

}  // extern "C"
