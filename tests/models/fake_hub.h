// An in-process stand-in for the Hugging Face hub on 127.0.0.1: resolve URLs with the hub's headers
// (X-Repo-Commit, ETag / X-Linked-Etag / X-Linked-Size, a redirect to a "CDN" path for LFS files),
// HTTP Range, and faults a test can switch on. Serves until destroyed.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace vidscribe::testing {

struct LoggedRequest {
  std::string method;  // "HEAD" or "GET"
  std::string path;
  std::string range;          // the Range header, "" if none
  std::string authorization;  // the Authorization header, "" if none
  std::string content_of;     // a GET answered with a file's bytes: that file's name
};

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  // http://127.0.0.1:<port>
  std::string endpoint() const;

  // Serves `files` of `repo_id` at `commit` (40 hex digits) under revision "main" and the commit itself.
  // Files named *.safetensors are LFS files (sha256 ETag, redirect to /cdn/<sha256>).
  void add_repo(const std::string& repo_id, const std::string& commit, std::map<std::string, std::string> files);

  // Requests for `old_id` get a relative 307 redirect to the same path under `new_id`, as the hub answers
  // for a renamed repository (gpt2 -> openai-community/gpt2).
  void rename_repo(const std::string& old_id, const std::string& new_id);

  // Faults, per file name (any repo).
  // The next `times` GETs of the file's bytes close the connection after `after_bytes` bytes of the file.
  void cut_after(const std::string& filename, size_t after_bytes, int times = 1);
  // The bytes served differ from the hash advertised (one byte flipped in the middle).
  void corrupt(const std::string& filename);
  // GETs of the file send `after_bytes` bytes and then stall (no bytes) until the client gives up.
  void stall_after(const std::string& filename, size_t after_bytes);
  // Requests without "Authorization: Bearer <token>" get 401 (as for a gated or private repository).
  void require_token(const std::string& token);
  // Every request gets this status (e.g. 403, 503) with the hub's X-Error-Code header, until cleared with 0.
  void fail_all(int status, const std::string& error_code = "");
  // The next `times` requests get this status with "Retry-After: <retry_after>" (as the hub rate-limits).
  void fail_next(int status, int times, const std::string& retry_after);

  std::vector<LoggedRequest> requests() const;
  // GETs of content (the file's bytes, after redirects) for `filename`.
  int content_gets(const std::string& filename) const;

 private:
  struct Repo;
  // Answers with the file's bytes (honouring Range) and applies the faults set for it.
  void serve_content(const httplib::Request& req, httplib::Response& res, size_t log_index,
                     const std::string& filename, std::string content);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, std::shared_ptr<Repo>> repos_;
  std::map<std::string, std::pair<std::string, std::string>> cdn_;  // sha256 -> (repo, filename)
  std::map<std::string, std::pair<size_t, int>> cuts_;
  std::map<std::string, bool> corrupt_;
  std::map<std::string, size_t> stalls_;
  std::map<std::string, std::string> renamed_;  // old repo id -> new
  std::string token_;
  int fail_status_ = 0;
  std::string fail_code_;
  int fail_next_status_ = 0;
  int fail_next_times_ = 0;
  std::string fail_next_retry_after_;
  std::vector<LoggedRequest> log_;
};

}  // namespace vidscribe::testing
