/* Captions a video and prints its events, in C: caption_file_c VIDEO [CLIP GPT2]
 * (without model folders: the fast preset's models, after `vidscribe models pull fast`). */
#include <stdio.h>

#include <vidscribe/vidscribe_c.h>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: %s VIDEO [CLIP_DIR GPT2_DIR]\n", argv[0]);
    return 2;
  }
  vidscribe_context_params cp = vidscribe_context_default_params();
  cp.preset = "fast";
  if (argc == 4) {
    cp.clip = argv[2];
    cp.lm = argv[3];
  }
  vidscribe_context* ctx = NULL;
  vidscribe_params* params = vidscribe_default_params();
  vidscribe_result* result = NULL;
  int rc = vidscribe_context_new(&cp, &ctx);
  if (rc == VIDSCRIBE_OK) rc = vidscribe_params_set(params, "max-tokens", "6");
  if (rc == VIDSCRIBE_OK) rc = vidscribe_caption_file(ctx, argv[1], params, &result);
  if (rc != VIDSCRIBE_OK) {
    fprintf(stderr, "caption_file_c: %s\n", vidscribe_last_error());
  } else {
    for (size_t i = 0; i < vidscribe_result_n_events(result); ++i) {
      double start, end;
      const char* caption;
      vidscribe_result_event(result, i, &start, &end, &caption, NULL);
      printf("%7.2f %7.2f  %s\n", start, end, caption);
    }
  }
  vidscribe_result_free(result);
  vidscribe_params_free(params);
  vidscribe_context_free(ctx);
  return rc;
}
