#include "models/hub.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

#include "models/cache.h"
#include "util/fs.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::models {
namespace fs = std::filesystem;

namespace {
std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

bool is_true(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

std::string percent_encode(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The hub quotes ETags and may mark them weak: W/"abc" -> abc.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  return etag;
}

int64_t parse_size(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit)) return -1;
  return std::stoll(s);
}

std::vector<std::string> request_headers(const HubOptions& o, const std::string& url) {
  // identity: sizes and hashes are of the stored bytes, not of a compressed transfer.
  std::vector<std::string> h = {"Accept-Encoding: identity"};
  if (!o.token.empty() && url_origin(url) == url_origin(o.endpoint)) h.push_back("Authorization: Bearer " + o.token);
  return h;
}

// Waits after failed try `attempt` of `what`: as long as the server asked (Retry-After, at most
// max_retry_after_s), else backoff_s doubled per try (at most 30 s). A wait of a second or more is announced.
void wait_before_retry(const HubOptions& o, const HttpResponse& r, int attempt, const std::string& what) {
  const double asked = retry_after_s(r);
  const double wait_s = asked >= 0 ? std::min(asked, o.max_retry_after_s)
                                   : std::min(30.0, o.backoff_s * static_cast<double>(1 << std::min(attempt - 1, 10)));
  if (wait_s >= 1) {
    util::warn(what + ": " + (r.ok ? "HTTP " + std::to_string(r.status) : r.error) + "; trying again in " +
               util::format_duration(wait_s) + " (try " + std::to_string(attempt + 1) + " of " +
               std::to_string(o.max_attempts) + ")");
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
}

// Runs `request` until it succeeds, fails for good, or runs out of attempts, waiting between tries.
template <class Request>
HttpResponse with_retries(const HubOptions& o, const std::string& what, Request&& request) {
  for (int attempt = 1;; ++attempt) {
    HttpResponse r = request();
    if (!r.transient || attempt >= o.max_attempts) return r;
    wait_before_retry(o, r, attempt, what);
  }
}

// The one place a failed hub request becomes an Error: says what failed and what to do about it.
[[noreturn]] void throw_http_error(const HttpResponse& r, const HubOptions& o, const std::string& url,
                                   const std::string& repo_id, const std::string& what, int attempts) {
  if (!r.ok) {
    if (r.no_connection) {
      throw Error(ErrorCode::kNetwork,
                  "cannot reach " + url_origin(url) + " (" + r.error + ") after " + std::to_string(attempts) +
                      " tries: no network? Check the connection or proxy, set HF_ENDPOINT for a mirror, or "
                      "HF_HUB_OFFLINE=1 to use only models already in the cache");
    }
    throw Error(ErrorCode::kNetwork, what + " failed (" + r.error + ")" +
                                         (r.transient ? " after " + std::to_string(attempts) + " tries" : "") +
                                         ": " + url + "; run the same command again to resume");
  }
  std::string hub_message = r.header("x-error-message");
  std::string detail = hub_message.empty() ? "" : " (hub: " + hub_message + ")";
  std::string code = r.header("x-error-code");
  std::string token_hint = o.token.empty()
                               ? "set HF_TOKEN to a Hugging Face access token that can read it"
                               : "the token in HF_TOKEN was refused or cannot read it";
  switch (r.status) {
    case 401:
      throw Error(ErrorCode::kNetwork, "401 Unauthorized for " + url + detail + ": " + repo_id +
                                           " is private or gated, or does not exist; " + token_hint);
    case 403:
      throw Error(ErrorCode::kNetwork, "403 Forbidden for " + url + detail + ": access to " + repo_id +
                                           " is denied; if it is gated, accept its terms at " + o.endpoint + "/" +
                                           repo_id + " with the account of the token, or " + token_hint);
    case 404:
      if (code == "RepoNotFound") {
        throw Error(ErrorCode::kNetwork, "repository " + repo_id + " not found at " + o.endpoint + detail);
      }
      if (code == "RevisionNotFound") {
        throw Error(ErrorCode::kNetwork, "revision not found in " + repo_id + ": " + url + detail);
      }
      throw Error(ErrorCode::kNetwork, "404 Not Found: " + url + detail + " (" + what + ")");
    default: {
      const double asked = retry_after_s(r);
      throw Error(ErrorCode::kNetwork,
                  "HTTP " + std::to_string(r.status) + " for " + url + detail + " (" + what +
                      (r.transient ? ", after " + std::to_string(attempts) + " tries" : "") + ")" +
                      (asked >= 0 ? "; the server asks to wait " + util::format_duration(asked) + " before trying again"
                                  : ""));
    }
  }
}

// An open file descriptor that closes itself.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
  throw Error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

void truncate_to_zero(int fd, const fs::path& path) {
  if (::ftruncate(fd, 0) != 0) throw_errno("cannot truncate", path);
}

void write_all(int fd, const char* p, size_t n, const fs::path& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void fsync_dir(const fs::path& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// "bytes 100-199/200" -> 100; -1 if malformed.
int64_t content_range_start(const std::string& value) {
  if (value.rfind("bytes ", 0) != 0) return -1;
  size_t dash = value.find('-', 6);
  if (dash == std::string::npos) return -1;
  return parse_size(value.substr(6, dash - 6));
}

// True when the cache holds the blob `meta` names, with the hub's size and hash. A blob no run of ours has
// recorded (another tool's) is hashed once, then recorded.
bool have_verified_blob(const HubOptions& o, const HubCache& cache, const std::string& repo_id,
                        const std::string& filename, const FileMetadata& meta) {
  const fs::path blob = cache.blob_path(repo_id, meta.etag);
  std::error_code ec;
  if (!fs::is_regular_file(blob, ec)) return false;
  if (meta.size_bytes >= 0 && static_cast<int64_t>(fs::file_size(blob)) != meta.size_bytes) return false;
  if (cache.is_recorded_verified(repo_id, blob)) return true;
  if (hash_file_as(blob, blob_hash_kind(meta.etag), o.on_progress, filename + " (checking)") != meta.etag) return false;
  cache.record_verified(repo_id, blob);
  return true;
}

// Opens blobs/<etag>.incomplete locked for this process. When another process holds it (a pull of the same
// model in another terminal), waits for that one, showing how far it has got; returns nothing when it has
// put the verified blob in place meanwhile, else the file as that process left it, to resume.
std::optional<Fd> lock_partial(const HubOptions& o, const HubCache& cache, const std::string& repo_id,
                               const std::string& filename, const FileMetadata& meta, const fs::path& partial) {
  bool announced = false;
  for (;;) {
    Fd file(::open(partial.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (file.fd < 0) throw_errno("cannot open", partial);
    while (::flock(file.fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) throw_errno("cannot lock", partial);
      if (!announced) {
        util::warn("another process is downloading " + filename + " into " + partial.string() +
                   "; waiting for it");
        announced = true;
      }
      struct stat st {};
      if (o.on_progress && ::fstat(file.fd, &st) == 0) {
        o.on_progress(filename + " (another process)", st.st_size, std::max<int64_t>(meta.size_bytes, 0));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (have_verified_blob(o, cache, repo_id, filename, meta)) return std::nullopt;
    // The file locked is still the one under that name (not renamed into place or deleted by its holder).
    struct stat held {}, named {};
    if (::fstat(file.fd, &held) == 0 && ::stat(partial.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      return file;
    }
  }
}

// Fetches one blob into blobs/<etag>, verified. Returns the bytes received in this call, or nothing when
// another process fetched the blob while this one waited for it.
std::optional<int64_t> download_blob(HttpClient& http, const HubOptions& o, const HubCache& cache,
                                     const std::string& repo_id, const std::string& filename,
                                     const FileMetadata& meta) {
  BlobHash kind = blob_hash_kind(meta.etag);
  fs::path blob = cache.blob_path(repo_id, meta.etag);
  fs::create_directories(blob.parent_path());
  fs::path partial = blob;
  partial += ".incomplete";
  std::optional<Fd> locked = lock_partial(o, cache, repo_id, filename, meta, partial);
  if (!locked) return std::nullopt;
  const Fd& file = *locked;

  int64_t received = 0;
  for (int attempt = 1;; ++attempt) {
    int64_t offset = ::lseek(file.fd, 0, SEEK_END);
    if (offset < 0) throw_errno("cannot seek", partial);
    if (meta.size_bytes >= 0 && offset > meta.size_bytes) {
      truncate_to_zero(file.fd, partial);
      offset = 0;
    }
    if (meta.size_bytes >= 0 && offset == meta.size_bytes) break;  // an earlier run got every byte

    std::vector<std::string> headers = request_headers(o, meta.download_url);
    if (offset > 0) headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
    int64_t done = offset;
    bool range_mismatch = false;
    auto on_start = [&](const HttpResponse& r) {
      if (r.status == 206 && content_range_start(r.header("content-range")) != offset) {
        range_mismatch = true;
        return false;
      }
      if (r.status != 206 && offset > 0) {  // the server sent the whole file: start over
        truncate_to_zero(file.fd, partial);
        done = 0;
      }
      if (o.on_progress) o.on_progress(filename, done, std::max<int64_t>(meta.size_bytes, 0));
      return true;
    };
    auto on_data = [&](const char* p, size_t n) {
      write_all(file.fd, p, n, partial);
      done += static_cast<int64_t>(n);
      received += static_cast<int64_t>(n);
      if (o.on_progress) o.on_progress(filename, done, std::max<int64_t>(meta.size_bytes, 0));
      return true;
    };
    HttpResponse r = http.get(meta.download_url, headers, on_start, on_data);
    bool retry = false;
    if (range_mismatch || (r.ok && r.status == 416)) {
      // Our partial file is not a prefix the server recognises: discard it and fetch everything.
      truncate_to_zero(file.fd, partial);
      retry = true;
    } else if (r.ok && r.status >= 200 && r.status < 300) {
      break;
    } else if (r.transient) {
      retry = true;
    }
    const std::string what = "download of " + filename + " from " + repo_id;
    if (!retry || attempt >= o.max_attempts) throw_http_error(r, o, meta.download_url, repo_id, what, attempt);
    wait_before_retry(o, r, attempt, what);
  }

  if (::fsync(file.fd) != 0) throw_errno("cannot sync", partial);
  int64_t size = ::lseek(file.fd, 0, SEEK_END);
  if (meta.size_bytes >= 0 && size != meta.size_bytes) {
    fs::remove(partial);
    throw Error(ErrorCode::kNetwork, filename + " from " + repo_id + " has " + std::to_string(size) +
                                         " bytes, the hub said " + std::to_string(meta.size_bytes) +
                                         "; the download was deleted, run the command again");
  }
  std::string actual = hash_file_as(partial, kind, o.on_progress, filename + " (checking)");
  if (actual != meta.etag) {
    fs::remove(partial);
    throw Error(ErrorCode::kNetwork,
                filename + " from " + repo_id + " failed its integrity check: " +
                    (kind == BlobHash::kSha256 ? "sha256 " : "git sha1 ") + actual + ", the hub published " +
                    meta.etag + "; the download was deleted (a proxy or mirror may be altering files)");
  }
  if (::rename(partial.c_str(), blob.c_str()) != 0) throw_errno("cannot rename into place", blob);
  fsync_dir(blob.parent_path());
  cache.record_verified(repo_id, blob);
  return received;
}

bool is_safe_commit(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         }) && s != "." && s != "..";
}
}  // namespace

HubOptions hub_options_from_env() {
  HubOptions o;
  if (auto v = env("HF_ENDPOINT")) o.endpoint = *v;
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  if (auto v = env("HF_TOKEN")) {
    o.token = trim(*v);
  } else if (auto legacy = env("HUGGING_FACE_HUB_TOKEN")) {
    o.token = trim(*legacy);
  } else {
    fs::path token_file;
    if (auto p = env("HF_TOKEN_PATH")) {
      token_file = *p;
    } else if (auto home = env("HF_HOME")) {
      token_file = fs::path(*home) / "token";
    } else if (auto user_home = env("HOME")) {
      token_file = fs::path(*user_home) / ".cache" / "huggingface" / "token";
    }
    std::error_code ec;
    if (!token_file.empty() && fs::is_regular_file(token_file, ec)) o.token = trim(util::read_file(token_file));
  }
  if (auto v = env("HF_HUB_OFFLINE")) o.offline = is_true(*v);
  return o;
}

std::string resolve_url(const std::string& endpoint, const std::string& repo_id, const std::string& revision,
                        const std::string& filename) {
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + repo_id + "/resolve/" + percent_encode(revision, /*keep_slash=*/false) + "/" +
         percent_encode(filename, /*keep_slash=*/true);
}

FileMetadata fetch_metadata(HttpClient& http, const HubOptions& o, const std::string& repo_id,
                            const std::string& revision, const std::string& filename) {
  std::string url = resolve_url(o.endpoint, repo_id, revision, filename);
  const std::string what = "looking up " + filename + " in " + repo_id;
  for (int hops = 0;; ++hops) {
    int attempts = 0;
    HttpResponse r = with_retries(o, what, [&] {
      ++attempts;
      return http.head(url, request_headers(o, url));
    });
    bool redirect = r.ok && r.status >= 300 && r.status < 400 && !r.location.empty();
    bool relative = redirect && r.header("location").rfind("/", 0) == 0 && r.header("location").rfind("//", 0) != 0;
    if (relative) {
      // A renamed repository: the same hub answers under the new name.
      if (hops >= 5) throw Error(ErrorCode::kNetwork, "too many redirects " + what + ": " + url);
      url = r.location;
      continue;
    }
    if (!r.ok || (!redirect && (r.status < 200 || r.status >= 300))) {
      throw_http_error(r, o, url, repo_id, what, attempts);
    }
    FileMetadata meta;
    meta.commit = r.header("x-repo-commit");
    std::string linked = r.header("x-linked-etag");
    meta.lfs = !linked.empty();
    meta.etag = normalize_etag(meta.lfs ? linked : r.header("etag"));
    meta.size_bytes = parse_size(meta.lfs ? r.header("x-linked-size") : r.header("content-length"));
    if (meta.lfs && meta.size_bytes < 0) meta.size_bytes = parse_size(r.header("content-length"));
    meta.download_url = redirect ? r.location : url;
    if (!is_safe_commit(meta.commit)) {
      throw Error(ErrorCode::kNetwork, "the server did not say which commit " + url + " is (X-Repo-Commit '" +
                                           meta.commit + "'): is HF_ENDPOINT (" + o.endpoint +
                                           ") a Hugging Face hub?");
    }
    if (blob_hash_kind(meta.etag) == BlobHash::kUnknown) {
      throw Error(ErrorCode::kNetwork, "the server gave no usable hash for " + url + " (ETag '" + meta.etag +
                                           "' is neither a sha256 nor a git sha1), so it cannot be verified");
    }
    return meta;
  }
}

namespace {
PullResult pull_model_impl(const ModelInfo& model, const HubOptions& o) {
  CacheLocation loc = locate_cache(o.cache_dir);
  HubCache cache(loc.dir);
  PullResult result;
  if (o.offline) {
    if (auto snap = cache.find_snapshot(model)) {
      result.snapshot = *snap;
      result.commit = snap->filename().string();
      result.offline = true;
      return result;
    }
    throw Error(ErrorCode::kNetwork, "offline mode (HF_HUB_OFFLINE) and " + model.name + " (" + model.repo_id +
                                         ") is not complete in the cache " + loc.dir.string() +
                                         "; unset HF_HUB_OFFLINE to download it");
  }

  HttpClient http(o.http);
  std::string commit;
  for (const std::string& filename : model.files) {
    FileMetadata meta = fetch_metadata(http, o, model.repo_id, commit.empty() ? o.revision : commit, filename);
    if (commit.empty()) {
      commit = meta.commit;
    } else if (meta.commit != commit) {
      throw Error(ErrorCode::kNetwork, "the hub answered for commit " + meta.commit + " when asked for " + commit +
                                           " (" + filename + " in " + model.repo_id + ")");
    }
    if (!have_verified_blob(o, cache, model.repo_id, filename, meta)) {
      std::error_code ec;
      fs::remove(cache.blob_path(model.repo_id, meta.etag), ec);  // damaged (wrong size or hash): fetch it again
      if (std::optional<int64_t> received = download_blob(http, o, cache, model.repo_id, filename, meta)) {
        result.bytes_downloaded += *received;
        ++result.files_downloaded;
      }
    }
    cache.link_snapshot_file(model.repo_id, commit, filename, meta.etag);
  }
  if (o.revision != commit) cache.write_ref(model.repo_id, o.revision, commit);
  result.snapshot = cache.snapshot_dir(model.repo_id, commit);
  result.commit = commit;
  return result;
}

}  // namespace

PullResult pull_model(const ModelInfo& model, const HubOptions& options) {
  return with_io_errors([&] { return pull_model_impl(model, options); });
}

}  // namespace vidscribe::models
