// The SHA-256 of a (large) file, computed once: what names a model by its content in every output record.
#pragma once

#include <filesystem>
#include <string>

namespace vidscribe::util {

// The SHA-256 (64 hex digits) of the file at `path`.
// - A file in a Hugging Face cache is a symlink to a blob named by its SHA-256 (what `models pull` checked
//   and `models verify` re-checks): that name is the answer, nothing is read.
// - Otherwise the hash is computed once and remembered in `memo_dir` (one small file per path, size and
//   modification time; default $XDG_CACHE_HOME/vidscribe/sha256 or ~/.cache/vidscribe/sha256), so a changed
//   file is hashed again. A memo that cannot be written costs nothing but the next run's hashing.
// Throws kNotFound / kIo when the file cannot be read.
std::string file_sha256(const std::filesystem::path& path, const std::filesystem::path& memo_dir = {});

}  // namespace vidscribe::util
