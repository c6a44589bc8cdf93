/* The C interface from a C program: c_api_test VIDEO CLIP_DIR LM_DIR. Captions the video with two events,
 * prints each as "start end caption" and the JSON, and checks the error paths; exits 0 when all holds. */
#include <stdio.h>
#include <string.h>

#include "vidscribe/vidscribe_c.h"

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

static int progress_calls = 0;
static void on_progress(const char* stage, int64_t done, int64_t total, void* user_data) {
  (void)stage, (void)done, (void)total, (void)user_data;
  ++progress_calls;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s VIDEO CLIP_DIR LM_DIR\n", argv[0]);
    return 2;
  }
  vidscribe_context_params cp = vidscribe_context_default_params();
  cp.clip = argv[2];
  cp.lm = argv[3];
  cp.threads = 1;
  vidscribe_context* ctx = NULL;
  int rc = vidscribe_context_new(&cp, &ctx);
  if (rc != VIDSCRIBE_OK) {
    fprintf(stderr, "context: %d %s\n", rc, vidscribe_last_error());
    return 1;
  }

  vidscribe_params* p = vidscribe_default_params();
  CHECK(p != NULL);
  CHECK(vidscribe_params_set(p, "events", "2") == VIDSCRIBE_OK);
  CHECK(vidscribe_params_set(p, "max-tokens", "4") == VIDSCRIBE_OK);
  CHECK(vidscribe_params_set(p, "candidates", "32") == VIDSCRIBE_OK);
  CHECK(vidscribe_params_set(p, "no-cache", "true") == VIDSCRIBE_OK);
  CHECK(vidscribe_params_set(p, "events", "many") == VIDSCRIBE_ERR_INVALID_ARGUMENT);
  CHECK(strstr(vidscribe_last_error(), "events") != NULL);
  CHECK(vidscribe_params_set(p, "no-such-option", "1") == VIDSCRIBE_ERR_INVALID_ARGUMENT);
  vidscribe_params_set_callbacks(p, NULL, VIDSCRIBE_LOG_WARNING, on_progress, NULL, NULL);

  vidscribe_result* r = NULL;
  rc = vidscribe_caption_file(ctx, argv[1], p, &r);
  if (rc != VIDSCRIBE_OK) {
    fprintf(stderr, "caption: %d %s\n", rc, vidscribe_last_error());
    return 1;
  }
  CHECK(vidscribe_result_n_events(r) >= 1);
  CHECK(vidscribe_result_duration(r) > 15.0);
  CHECK(progress_calls > 0);
  for (size_t i = 0; i < vidscribe_result_n_events(r); ++i) {
    double start = -1, end = -1, score = 0;
    const char* caption = NULL;
    CHECK(vidscribe_result_event(r, i, &start, &end, &caption, &score) == VIDSCRIBE_OK);
    CHECK(0 <= start && start <= end && caption != NULL);
    printf("%.3f %.3f %s\n", start, end, caption);
  }
  CHECK(vidscribe_result_event(r, 99, NULL, NULL, NULL, NULL) == VIDSCRIBE_ERR_INVALID_ARGUMENT);
  printf("--- json\n%s\n", vidscribe_result_json(r));
  vidscribe_result_free(r);

  vidscribe_result* missing = NULL;
  CHECK(vidscribe_caption_file(ctx, "/nonexistent/video.mp4", p, &missing) == VIDSCRIBE_ERR_NOT_FOUND);
  CHECK(missing == NULL);
  CHECK(strstr(vidscribe_last_error(), "/nonexistent/video.mp4") != NULL);

  vidscribe_context_params bad = cp;
  bad.clip = "/nonexistent/clip";
  vidscribe_context* none = NULL;
  CHECK(vidscribe_context_new(&bad, &none) == VIDSCRIBE_ERR_NOT_FOUND);
  CHECK(none == NULL);
  CHECK(strlen(vidscribe_version()) > 0);

  vidscribe_params_free(p);
  vidscribe_context_free(ctx);
  return failures == 0 ? 0 : 1;
}
