// The Hugging Face hub (or a mirror): file URLs, file metadata, and verified, resumable downloads of a model's
// files into the hub cache (cache.h). The same code serves https://huggingface.co and a test server: only the
// endpoint differs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "models/http.h"
#include "models/registry.h"

namespace vidscribe::models {

inline constexpr const char* kDefaultEndpoint = "https://huggingface.co";

struct HubOptions {
  std::string endpoint = kDefaultEndpoint;  // scheme://host[:port] of the hub (HF_ENDPOINT)
  // Access token (HF_TOKEN): sent as "Authorization: Bearer" to the endpoint's host only, never to the CDN a
  // download is redirected to. Empty: anonymous.
  std::string token;
  bool offline = false;             // HF_HUB_OFFLINE: never touch the network, use only the cache (default off)
  std::filesystem::path cache_dir;  // empty: locate_cache() (cache.h)
  std::string revision = "main";    // branch, tag or commit to pull (default main)
  int max_attempts = 5;             // tries per request on transient failures (default 5)
  double backoff_s = 1;             // wait before the second try, doubled each time, at most 30 s (default 1 s)
  // A server that answers 429 or 503 with Retry-After is waited for as long as it asks, up to this long per
  // try (default 5 min); the backoff above applies when it does not say.
  double max_retry_after_s = 300;
  HttpOptions http;                 // timeouts (http.h)
  // Progress of one file: bytes on disk so far and its size (0 if unknown) while downloading, then bytes
  // hashed under the name "<filename> (checking)"; "<filename> (another process)" while waiting for another
  // process that downloads the same file into the same cache. Optional.
  std::function<void(const std::string& filename, int64_t done_bytes, int64_t total_bytes)> on_progress;
};

// Defaults, then HF_ENDPOINT, HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, or the token file huggingface-cli login
// writes: $HF_TOKEN_PATH, $HF_HOME/token, ~/.cache/huggingface/token) and HF_HUB_OFFLINE (1/true/yes/on).
HubOptions hub_options_from_env();

// <endpoint>/<repo_id>/resolve/<revision>/<filename>, revision and filename percent-encoded.
std::string resolve_url(const std::string& endpoint, const std::string& repo_id, const std::string& revision,
                        const std::string& filename);

// What the hub says about one file (HEAD of its resolve URL).
struct FileMetadata {
  std::string commit;        // X-Repo-Commit: the commit the revision resolved to
  std::string etag;          // sha256 of an LFS file (X-Linked-Etag) or git blob sha1 (ETag), quotes removed
  bool lfs = false;          // stored in LFS: served from a CDN through a redirect
  int64_t size_bytes = -1;   // X-Linked-Size or Content-Length; -1 if not given
  std::string download_url;  // where to GET the bytes (the redirect target for LFS files)
};

// HEADs the file's resolve URL (following only same-site redirects, as for a renamed repository), with
// retries. Throws Error(kNetwork) with a clear message on 401/403/404, no connection or a reply lacking
// the commit or a usable hash.
FileMetadata fetch_metadata(HttpClient& http, const HubOptions& options, const std::string& repo_id,
                            const std::string& revision, const std::string& filename);

struct PullResult {
  std::filesystem::path snapshot;  // the model folder (resolve_model() now returns it)
  std::string commit;
  int files_downloaded = 0;        // files this run fetched (not in the cache, nor fetched by another process)
  int64_t bytes_downloaded = 0;    // bytes received this run (a resumed file counts only the rest)
  bool offline = false;            // nothing was asked of the network (offline mode, model complete)
};

// Makes every file of `model` present and verified in the cache: per file, a HEAD gives its commit and hash;
// a blob already in the cache is reused (hashed once first if vidscribe has not verified it yet; replaced if
// damaged); otherwise it is fetched into blobs/<hash>.incomplete (resuming what
// an earlier run left, with HTTP Range), hashed, compared with the hub's hash, fsynced and renamed into place,
// then linked into snapshots/<commit>/. That file is locked while being fetched: a second pull of the same
// blob into the same cache waits for the first, then uses its blob or resumes what it left. Transient
// failures (no connection, stall, 408/429/5xx) are retried max_attempts times, waiting as Retry-After asks. refs/<revision> is written last, so a failed pull leaves no snapshot
// that resolve_model() accepts. A file that fails its hash is deleted. Every file after the first is pulled at
// the first one's commit, so a push during the pull cannot mix revisions.
// Throws Error(kNetwork) for network, HTTP and integrity failures, kIo for the disk.
PullResult pull_model(const ModelInfo& model, const HubOptions& options);

}  // namespace vidscribe::models
