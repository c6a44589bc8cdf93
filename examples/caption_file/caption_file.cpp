// Captions a video and prints its events: caption_file VIDEO [CLIP GPT2]
// (without model folders: the fast preset's models, after `vidscribe models pull fast`).
#include <vidscribe/vidscribe.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: %s VIDEO [CLIP_DIR GPT2_DIR]\n", argv[0]);
    return 2;
  }
  try {
    vidscribe::ContextParams cp;
    cp.preset = "fast";
    if (argc == 4) {
      cp.clip = argv[2];
      cp.lm = argv[3];
    }
    vidscribe::Context context(cp);
    vidscribe::CaptionParams params;
    vidscribe::set_option(params.options, "max-tokens", "6");
    params.callbacks.log = [](vidscribe::LogLevel, const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
    const vidscribe::VideoCaptions result = context.caption_file(argv[1], params);
    for (const vidscribe::Event& e : result.events) {
      std::printf("%7.2f %7.2f  %s\n", e.start_s, e.end_s, e.caption.c_str());
    }
  } catch (const vidscribe::Error& e) {
    std::fprintf(stderr, "caption_file: %s\n", e.what());
    return vidscribe::exit_status(e.code());
  }
  return 0;
}
