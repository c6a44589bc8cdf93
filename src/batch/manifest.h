// What a batch captions: the videos a manifest lists or a folder holds, each with a stable, unique id, and
// the file name each id's records get in the output folder (docs/batch.md).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace vidscribe::batch {

struct Item {
  std::string id;                // unique; the manifest's id, else the path relative to the input root
  std::filesystem::path path;    // the video file (absolute, or relative to the working folder)
  bool explicit_id = false;      // the manifest gave the id (it is then the ActivityNet video id too)
};

enum class ManifestFormat {
  kLines,  // one path per line
  kJsonl,  // one JSON object per line: {"path": ..., "id": ...} (id optional)
  kCsv,    // a header naming a "path" column and optionally an "id" column, then one row per video
};

// .jsonl / .ndjson -> kJsonl, .csv -> kCsv, anything else -> kLines.
ManifestFormat manifest_format_for(const std::filesystem::path& manifest);

// The videos of a manifest's text. Blank lines and lines starting with '#' are skipped in every format;
// relative paths are taken relative to `base` (the manifest's folder). Sorted by id (byte order). Throws
// Error(kInvalidArgument) "<name>:<line>: <why>" for a line it cannot read and for two lines with one id.
std::vector<Item> parse_manifest(std::string_view text, ManifestFormat format, const std::filesystem::path& base,
                                 const std::string& name);

// A manifest file, or a folder scanned recursively for video files (is_video_file; hidden entries skipped).
// Throws kNotFound (no such input, or a folder without videos), kIo, kInvalidArgument (parse_manifest).
std::vector<Item> read_input(const std::filesystem::path& input);

// Whether a file name has a video container's extension (mp4, mkv, webm, mov, avi, ...; any case).
bool is_video_file(const std::filesystem::path& path);

// The file name (without extension) that holds an id's records: the id with every byte outside
// [A-Za-z0-9._-] (and a leading '.') written as %XX, so that no id can name a folder or climb out of one
// and two ids never share a name; an id whose name would exceed 160 bytes keeps its first 100 and adds
// "~" and 16 hex digits of its SHA-256.
std::string file_name_for_id(const std::string& id);

}  // namespace vidscribe::batch
