// Output writers of `vidscribe caption`: captions of one or more videos as JSON, ActivityNet submission, SRT,
// WebVTT, YouTube chapters, FFmpeg chapter metadata or plain text. The formats are described in
// docs/output-formats.md. No torch, no FFmpeg: plain data in, bytes out.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vidscribe/captions.h"

namespace vidscribe::exporter {

enum class Format {
  kJson,        // one object per video (an array for several videos)
  kAnet,        // ActivityNet Captions submission, all videos in one file; what `vidscribe eval` reads
  kSrt,         // SubRip subtitles, one cue per event
  kVtt,         // WebVTT subtitles, one cue per event
  kChapters,    // YouTube chapter lines `MM:SS title`, derived from the events (see derive rule in the docs)
  kFfmetadata,  // FFmpeg metadata file with [CHAPTER] sections, for `ffmpeg -i video -i meta -map_metadata 1`
  kTxt,         // one `[start - end] caption` line per event
};

// The format's name as the command line spells it: "json", "anet", "srt", "vtt", "chapters", "ffmetadata", "txt".
const char* format_name(Format format);

// Every format name, in the order of the enum (for help texts and validators).
const std::vector<std::string>& format_names();

// The format named `name` (exactly one of format_names()). Throws Error(kInvalidArgument) naming the valid ones.
Format parse_format(std::string_view name);

// The format implied by a file name's extension, case-insensitive: .json -> kJson, .srt, .vtt, .txt,
// .ffmeta / .ffmetadata -> kFfmetadata. nullopt for anything else, for "-" and for no extension. kAnet and
// kChapters have no extension of their own (an ActivityNet submission is also .json): name them explicitly.
std::optional<Format> format_from_extension(const std::filesystem::path& path);

// The bytes of `videos` in `format`. Deterministic: same input, same bytes.
// - kJson: one video -> one object, several -> a JSON array of such objects (zero -> "[]").
// - kAnet: every video in one submission; video ids must be distinct and non-empty after defaulting.
// - kTxt: several videos are concatenated, each under a "# <video>" header line.
// - kSrt, kVtt, kChapters, kFfmetadata describe one video's timeline: they REQUIRE exactly one video and
//   throw Error(kInvalidArgument) otherwise.
// Event times must be finite with 0 <= start_s <= end_s, model_json/options_json a JSON object or empty:
// otherwise Error(kInvalidArgument) naming the video and event. kChapters also throws kInvalidArgument when
// the events do not give YouTube's minimum of 3 chapters of at least 10 s.
std::string render(Format format, const std::vector<VideoCaptions>& videos);

// render() written to `path`, or to standard output when `path` is "-". Files are replaced atomically
// (temporary file, fsync, rename): on any error, rendering included, an existing file is left unchanged and
// no new file appears. Throws Error(kIo / kNotFound) when the file cannot be written.
void write_output(const std::filesystem::path& path, Format format, const std::vector<VideoCaptions>& videos);

}  // namespace vidscribe::exporter
