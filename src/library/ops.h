// What `vidscribe library add|check` do, as library functions: adding videos (frames, and captions with
// `caption`), importing the results of `vidscribe batch`, and checking the library against the files.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "library/library.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::library {

struct AddParams {
  std::vector<std::filesystem::path> paths;  // files, or folders with `recursive`
  bool recursive = false;
  bool caption = false;             // caption too (with the language model)
  ContextParams context;            // the models (language_model is set from `caption`)
  CaptionParams caption_params;     // sampling, method options, frame cache
};

struct AddSummary {
  int total = 0;     // files considered
  int added = 0;     // files with something new in the library
  int skipped = 0;   // already there with the same model and options
  int failed = 0;    // could not be added (the reason was logged)
};

// The files `paths` stand for: files as given, folders (with `recursive`) scanned for video files, sorted,
// absolute. Throws kInvalidArgument for a folder without `recursive`, kNotFound for a path that does not exist.
std::vector<std::filesystem::path> collect_videos(const std::vector<std::filesystem::path>& paths, bool recursive);

// Adds each file in its own transaction (a kill leaves the library as it was after the last whole file).
// Errors of one file are logged and counted; errors of the library or the models throw.
AddSummary add_videos(Library& lib, const AddParams& params);

// Imports DIR/results/*.json of `vidscribe batch` as caption runs (source "batch:DIR"), without computing
// anything but the files' content hashes; a result whose video is gone or changed since is skipped.
AddSummary import_results(Library& lib, const std::filesystem::path& dir);

struct CheckReport {
  std::vector<std::string> damage;   // the database itself: integrity, full-text index, frame sets
  std::vector<std::string> files;    // missing, moved, changed or touched files
  std::vector<std::string> indexes;  // vector indexes out of step
  std::vector<std::string> fixed;    // what --fix did
  nlohmann::ordered_json to_json() const;
};

// Checks the library; with `fix`, repairs what can be: the full-text index rebuilt, moved files followed
// (looked for in their folder and in `search_dirs` by size and content), touched files' facts updated,
// changed files' frames and captions dropped (the next add recomputes them), indexes rebuilt.
CheckReport check_library(Library& lib, bool fix, const std::vector<std::filesystem::path>& search_dirs, int threads);

// A video as `library list --json` (facts, frame and event counts) or, `detailed`, `library info --json` shows
// it: probe, frame sets, caption runs and the latest run's events.
nlohmann::ordered_json video_json(Library& lib, const Video& v, bool detailed);

// The sampling record of a frame set: what makes two frame sets of one model the same.
std::string sampling_json(const VideoOptions& video);

}  // namespace vidscribe::library
