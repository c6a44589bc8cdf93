// The Hugging Face hub cache on disk: where it is, how a repository is laid out in it, and finding a model's
// files by name. Shared with huggingface_hub and transformers, so weights fetched by either are reused.
//
// Layout (as huggingface_hub writes it):
//   <cache>/models--ORG--NAME/blobs/<etag>          file contents; LFS files named by their sha256, small files
//                                                   by their git blob sha1
//   <cache>/models--ORG--NAME/blobs/<etag>.incomplete   a download in progress (never trusted)
//   <cache>/models--ORG--NAME/snapshots/<commit>/<file>  relative symlink to ../../blobs/<etag>
//   <cache>/models--ORG--NAME/refs/main              the commit hash "main" pointed to when last pulled
// vidscribe adds <cache>/models--ORG--NAME/.vidscribe-verified.json, the blobs whose hash it has checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/registry.h"

namespace vidscribe::models {

// Where the cache is and why: `dir` with `source` naming what chose it ("--cache-dir", "VIDSCRIBE_CACHE",
// "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME" or "default").
struct CacheLocation {
  std::filesystem::path dir;
  std::string source;
};

// The cache folder: `override_dir` if not empty, else $VIDSCRIBE_CACHE, $HF_HUB_CACHE,
// $HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub.
// Reads the environment; creates nothing.
CacheLocation locate_cache(const std::filesystem::path& override_dir = {});

// A blob's name says its hash: 64 hex digits are a sha256, 40 a git blob sha1.
enum class BlobHash { kSha256, kGitSha1, kUnknown };
BlobHash blob_hash_kind(const std::string& blob_name);
// Progress of a long operation on one file: bytes done of total.
using FileProgress = std::function<void(const std::string& filename, int64_t done_bytes, int64_t total_bytes)>;

// The hash of the file at `path` in the given kind (REQUIRES: kind != kUnknown), hex, streamed; reports
// progress under `label` if `on_progress` is set. Throws kNotFound / kIo.
std::string hash_file_as(const std::filesystem::path& path, BlobHash kind, const FileProgress& on_progress = {},
                         const std::string& label = "");

// One cache folder. Cheap to copy; does no I/O until asked. Not synchronised: concurrent writers of the same
// blob are kept apart by a lock on its .incomplete file (see hub.h).
class HubCache {
 public:
  explicit HubCache(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }

  // "openai/clip-vit-large-patch14" -> <root>/models--openai--clip-vit-large-patch14; "gpt2" -> models--gpt2.
  std::filesystem::path repo_dir(const std::string& repo_id) const;
  std::filesystem::path blob_path(const std::string& repo_id, const std::string& blob_name) const;
  std::filesystem::path snapshot_dir(const std::string& repo_id, const std::string& commit) const;

  // The commit a ref (e.g. "main") names, if the ref file exists and holds a commit.
  std::optional<std::string> read_ref(const std::string& repo_id, const std::string& ref) const;
  // Atomically points `ref` at `commit`.
  void write_ref(const std::string& repo_id, const std::string& ref, const std::string& commit) const;

  // snapshots/<commit>/<filename> becomes a relative symlink to the blob, replacing any entry atomically.
  void link_snapshot_file(const std::string& repo_id, const std::string& commit, const std::string& filename,
                          const std::string& blob_name) const;

  // A snapshot folder holding every file `model` needs (symlinks that resolve): the one refs/main names if
  // complete, else the most recently modified complete one. nullopt if none is complete.
  std::optional<std::filesystem::path> find_snapshot(const ModelInfo& model) const;

  // The verification record: blobs whose hash was checked, with the size and mtime they had then.
  bool is_recorded_verified(const std::string& repo_id, const std::filesystem::path& blob) const;
  void record_verified(const std::string& repo_id, const std::filesystem::path& blob) const;
  void forget_verified(const std::string& repo_id, const std::string& blob_name) const;

 private:
  std::filesystem::path root_;
};

// Error(kIo) from a std::filesystem error (permissions, full disk), naming the path.
[[noreturn]] void throw_io_error(const std::filesystem::filesystem_error& e);

// Runs `fn`, turning std::filesystem errors into Error(kIo).
template <class Fn>
auto with_io_errors(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::filesystem::filesystem_error& e) {
    throw_io_error(e);
  }
}

// What is in the cache for one model, for `models list` and `models verify`.
enum class FileState {
  kMissing,     // not in the snapshot
  kUnverified,  // present, hash not checked by vidscribe (e.g. fetched by another tool) or not checkable
  kVerified,    // present and its hash matched its blob name (recorded, or just re-hashed)
  kCorrupt,     // re-hashing found a mismatch
};
const char* to_string(FileState state);

struct FileStatus {
  std::string filename;
  std::string blob_name;  // empty if the snapshot entry is not a symlink into blobs/
  int64_t size_bytes = 0;
  FileState state = FileState::kMissing;
  std::string detail;     // for kCorrupt: expected and actual hash
};

struct ModelStatus {
  const ModelInfo* model = nullptr;
  std::optional<std::filesystem::path> snapshot;  // the snapshot used, if any holds files
  std::vector<FileStatus> files;                  // one per model->files, in that order
  int64_t total_bytes() const;
  bool complete() const;  // every file present (verified or not)
  FileState overall() const;  // the worst state over the files
};

// From the record only (fast: no hashing).
ModelStatus model_status(const HubCache& cache, const ModelInfo& model);
// Re-hashes every present file, updates the record (and drops entries for corrupt blobs).
ModelStatus verify_model(const HubCache& cache, const ModelInfo& model, const FileProgress& on_progress = {});

// A model folder for the loaders. A known model name (registry.h) resolves to its snapshot in the cache
// (`cache_dir`, default: locate_cache()); anything else is a folder path, returned as is if it is a directory.
// Throws Error(kNotFound) naming where it looked; for a known name the message says
// "run: vidscribe models pull NAME". Does no network access. (A folder named like a model: write ./gpt2.)
std::filesystem::path resolve_model(const std::string& name_or_dir, const std::filesystem::path& cache_dir = {});

}  // namespace vidscribe::models
