/* vidscribe's C interface: caption a video file and read its events, from C or any language that calls C.
 * A thin layer over vidscribe.h (see docs/api.md): opaque handles, options set by the command line's names,
 * return codes with a message per thread.
 *
 *   vidscribe_context_params cp = vidscribe_context_default_params();
 *   cp.preset = "fast";
 *   vidscribe_context* ctx = NULL;
 *   if (vidscribe_context_new(&cp, &ctx) != VIDSCRIBE_OK) { fprintf(stderr, "%s\n", vidscribe_last_error()); ... }
 *   vidscribe_params* p = vidscribe_default_params();
 *   vidscribe_params_set(p, "events", "3");
 *   vidscribe_result* r = NULL;
 *   if (vidscribe_caption_file(ctx, "talk.mp4", p, &r) == VIDSCRIBE_OK) {
 *     for (size_t i = 0; i < vidscribe_result_n_events(r); ++i) { ... vidscribe_result_event(r, i, ...) ... }
 *     vidscribe_result_free(r);
 *   }
 *   vidscribe_params_free(p);
 *   vidscribe_context_free(ctx);
 *
 * Threads: as in C++, a context is used by one thread at a time; contexts on different threads may work at
 * once. Strings returned by the library belong to the object they came from (or, for vidscribe_last_error, to
 * the calling thread until its next call).
 */
#ifndef VIDSCRIBE_VIDSCRIBE_C_H
#define VIDSCRIBE_VIDSCRIBE_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes: 0 for success, else the exit status the command line gives for the same failure. */
enum {
  VIDSCRIBE_OK = 0,
  VIDSCRIBE_ERR_INVALID_ARGUMENT = 2, /* a bad option value or input data */
  VIDSCRIBE_ERR_NOT_FOUND = 3,        /* a file, a model folder, a named model not downloaded */
  VIDSCRIBE_ERR_IO = 4,
  VIDSCRIBE_ERR_UNSUPPORTED_MEDIA = 5,
  VIDSCRIBE_ERR_CORRUPT_MODEL = 6,
  VIDSCRIBE_ERR_NETWORK = 7,
  VIDSCRIBE_ERR_OUT_OF_MEMORY = 8,
  VIDSCRIBE_ERR_INTERNAL = 70,       /* a bug: please report it */
  VIDSCRIBE_ERR_CANCELLED = 130      /* the abort callback stopped the call */
};

/* Log levels, as vidscribe::LogLevel. */
enum { VIDSCRIBE_LOG_DEBUG = 0, VIDSCRIBE_LOG_INFO = 1, VIDSCRIBE_LOG_WARNING = 2 };

typedef void (*vidscribe_log_fn)(int level, const char* message, void* user_data);
typedef void (*vidscribe_progress_fn)(const char* stage, int64_t done, int64_t total, void* user_data);
/* Polled at least once per token step and per batch of frames: non-zero stops the call (VIDSCRIBE_ERR_CANCELLED). */
typedef int (*vidscribe_abort_fn)(void* user_data);

typedef struct vidscribe_context vidscribe_context; /* loaded models */
typedef struct vidscribe_params vidscribe_params;   /* the options of captioning calls */
typedef struct vidscribe_result vidscribe_result;   /* one video's events */

typedef struct vidscribe_context_params {
  const char* preset;       /* "paper" (default) or "fast" */
  const char* clip;         /* a CLIP folder or known name; NULL: the preset's */
  const char* lm;           /* a GPT-2 folder or known name; NULL: the preset's */
  const char* models_cache; /* the hub cache with named models; NULL: the default */
  const char* device;       /* "cpu" (default), "cuda" or "cuda:N" */
  int threads;              /* CPU threads; 0 = every core */
  vidscribe_log_fn log;     /* messages while loading; NULL: none */
  int log_level;            /* VIDSCRIBE_LOG_*: the least level passed to log */
  void* user_data;          /* passed to log */
} vidscribe_context_params;

vidscribe_context_params vidscribe_context_default_params(void);

/* Loads the models into *out. On failure *out is NULL and the return code says why. */
int vidscribe_context_new(const vidscribe_context_params* params, vidscribe_context** out);
void vidscribe_context_free(vidscribe_context* ctx); /* NULL is ignored */

/* Every option at its default; NULL only when out of memory. */
vidscribe_params* vidscribe_default_params(void);
void vidscribe_params_free(vidscribe_params* params); /* NULL is ignored */
/* An option by the command line's name and value: ("events", "3"), ("token-choice", "lm"), ("whole", "true");
 * also ("frame-cache", DIR) and ("no-cache", "true"). */
int vidscribe_params_set(vidscribe_params* params, const char* name, const char* value);
/* Callbacks of the calls made with these params; any may be NULL. */
void vidscribe_params_set_callbacks(vidscribe_params* params, vidscribe_log_fn log, int log_level,
                                    vidscribe_progress_fn progress, vidscribe_abort_fn abort, void* user_data);

/* Captions a video file into *out (NULL on failure). */
int vidscribe_caption_file(vidscribe_context* ctx, const char* path, const vidscribe_params* params,
                           vidscribe_result** out);

double vidscribe_result_duration(const vidscribe_result* result);
size_t vidscribe_result_n_events(const vidscribe_result* result);
/* Event i (sorted by start): any output pointer may be NULL. VIDSCRIBE_ERR_INVALID_ARGUMENT when i is out of range. */
int vidscribe_result_event(const vidscribe_result* result, size_t i, double* start_s, double* end_s,
                           const char** caption, double* score);
/* The result as `vidscribe caption` writes it (JSON), valid until the result is freed. */
const char* vidscribe_result_json(const vidscribe_result* result);
void vidscribe_result_free(vidscribe_result* result); /* NULL is ignored */

/* The message of this thread's last failed call ("" when none). */
const char* vidscribe_last_error(void);
const char* vidscribe_version(void);

#ifdef __cplusplus
}
#endif

#endif /* VIDSCRIBE_VIDSCRIBE_C_H */
