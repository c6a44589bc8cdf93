// vidscribe: timestamped captions of the events in any video, with no training data (ZeroTA: soft moment
// masks and a frozen GPT-2's prefix optimised together against a frozen CLIP).
//
// The library's public interface, C++17. It includes no torch, FFmpeg, curl or SQLite header; link
// vidscribe::vidscribe (CMake) or `pkg-config --libs vidscribe`. docs/api.md walks through it; vidscribe_c.h
// is the same for C and other languages.
//
//   vidscribe::ContextParams cp;                 // the models: a preset, or folders / names
//   cp.preset = "fast";
//   vidscribe::Context ctx(cp);                  // loads them once
//   vidscribe::CaptionParams p;                  // every option with its default
//   p.options.method.events = 3;
//   vidscribe::VideoCaptions r = ctx.caption_file("talk.mp4", p);
//   for (const vidscribe::Event& e : r.events) std::printf("%.1f %.1f %s\n", e.start_s, e.end_s, e.caption.c_str());
//
// Threads: a Context is used by one thread at a time; any number of contexts may work at once in one process,
// each on its own thread, with their own thread counts. Errors: every failure is a vidscribe::Error with an
// ErrorCode (error.h); nothing else escapes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vidscribe/callbacks.h"
#include "vidscribe/captions.h"
#include "vidscribe/error.h"
#include "vidscribe/options.h"
#include "vidscribe/version.h"

namespace vidscribe {

// The library's version at run time ("0.1.0"); VIDSCRIBE_VERSION_STRING is the headers'.
const char* version();

// Which models a context loads, onto what, with how many threads.
struct ContextParams {
  std::string preset = "paper";  // "paper": CLIP ViT-L/14 + GPT-2 medium (method.md); "fast": ViT-B/32 + GPT-2
  std::string clip;              // a CLIP model folder (Hugging Face layout) or a known name; empty: the preset's
  std::string lm;                // a GPT-2 folder or a known name; empty: the preset's
  // false: CLIP only, for embedding and search (`vidscribe search` loads no GPT-2); the caption calls then
  // throw Error(kInvalidArgument).
  bool language_model = true;
  // The Hugging Face hub cache that holds named models (`vidscribe models pull`). Empty: $VIDSCRIBE_CACHE,
  // else $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
  std::string models_cache;
  std::string device = "cpu";    // "cpu", "cuda" or "cuda:N"
  int threads = 0;               // CPU threads of this context's calls (0 = every core; at most 1024)
  Callbacks callbacks;           // while the models load
};
ContextParams default_context_params();

// One call's settings: every option, the frame-embedding cache, and the callbacks.
struct CaptionParams {
  CaptionOptions options;        // every video and method option, with its default (options.h)
  // Frame-embedding cache folder. Empty: $VIDSCRIBE_FRAME_CACHE, else $XDG_CACHE_HOME/vidscribe/frames, else
  // ~/.cache/vidscribe/frames.
  std::string frame_cache;
  bool use_frame_cache = true;   // false: neither read nor write cached frame embeddings
  Callbacks callbacks;
};
CaptionParams default_caption_params();

// Options by the command line's names ("events", "lr-prefix", "token-choice"), values as the command line
// takes them: for bindings and configuration files. Both throw Error(kInvalidArgument) for an unknown name or
// a bad value, with the message the command line gives.
void set_option(CaptionOptions& options, const std::string& name, const std::string& value);
std::string get_option(const CaptionOptions& options, const std::string& name);  // as JSON text: "3", "\"greedy\""

// Every option, in --help's order.
struct OptionInfo {
  std::string name;           // "lr-prefix"
  std::string group;          // "Optimisation"
  std::string help;           // one line
  std::string type;           // "int", "uint", "float", "bool", "text" or "choice"
  std::string default_value;  // JSON text: 0.006, true, "A video of", "greedy"
  std::string range;          // "in [1, 1000]", "> 0", "one of greedy, topk"; empty for text and bool
};
std::vector<OptionInfo> caption_options();

// Every value in range and the rules that tie options together (min-events <= max-events, ...): what every
// call checks first. Throws Error(kInvalidArgument) naming the first bad option.
void check_options(const CaptionOptions& options);

// The options as the "options" record of an output: {"fps": 1.0, "events": 0, ...}.
std::string options_json(const CaptionOptions& options);

// Results in an output format: "json" (one object per video, an array for several), "anet" (an ActivityNet
// submission), "srt", "vtt", "chapters" (YouTube), "ffmetadata" or "txt"; the timeline formats take exactly
// one video. Throws Error(kInvalidArgument) for an unknown format or results it cannot hold.
std::string render_captions(const std::string& format, const std::vector<VideoCaptions>& videos);
// render_captions written to `path` ("-": standard output) atomically: complete or not at all. Throws kIo.
void write_captions(const std::string& path, const std::string& format, const std::vector<VideoCaptions>& videos);
// The format a file name's extension implies ("a.srt" -> "srt"), or "" when it implies none.
std::string output_format_for(const std::string& path);
// The format names, in the order above.
std::vector<std::string> output_formats();

// Unit-length embeddings, row-major: rows x dim floats.
struct Embeddings {
  int64_t rows = 0;
  int64_t dim = 0;
  std::vector<float> data;
  const float* row(int64_t i) const { return data.data() + i * dim; }
};

// A video's sampled frames as CLIP embeds them, with their times.
struct VideoEmbeddings {
  std::vector<double> times_s;  // one per frame, increasing, seconds from the video's start
  Embeddings frames;            // [frames, dim], unit length
  double duration_s = 0;        // of the video
};

// Loaded models, reused for any number of calls. Movable, not copyable.
class Context {
 public:
  // Loads the models. Throws Error: kNotFound (a folder, or a named model not downloaded), kCorruptModel,
  // kInvalidArgument (preset, device, threads), kOutOfMemory, kCancelled.
  explicit Context(const ContextParams& params = default_context_params());
  ~Context();
  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Captions a video file: its events, in seconds, with their captions. Throws Error: kNotFound, kIo,
  // kUnsupportedMedia (the file), kInvalidArgument (an option), kOutOfMemory, kCancelled.
  VideoCaptions caption_file(const std::string& path, const CaptionParams& params = default_caption_params());

  // Captions a video given as frame embeddings of this context's CLIP (embed_frames, or computed elsewhere):
  // rows of `frames` (normalised here), their times in seconds (increasing, within [0, duration_s]) and the
  // video's duration. params.options.video's sampling and the frame cache do not apply.
  VideoCaptions caption_frames(const Embeddings& frames, const std::vector<double>& times_s, double duration_s,
                               const CaptionParams& params = default_caption_params());

  // The frames a caption_file call would caption, embedded (through the frame cache).
  VideoEmbeddings embed_frames(const std::string& path, const CaptionParams& params = default_caption_params());

  // CLIP text and image embeddings (unit length), in one space with the frames: for search.
  Embeddings embed_texts(const std::vector<std::string>& texts, const Callbacks& callbacks = {});
  Embeddings embed_images(const std::vector<std::string>& paths, const Callbacks& callbacks = {});

  // {"clip": {"folder": ..., "sha256": ...}, "lm": {...}}: the models by folder and by the SHA-256 of their
  // weights, as every result's model_json holds it ("lm" absent for a CLIP-only context).
  std::string model_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidscribe
