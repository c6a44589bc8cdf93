// A small HTTP(S) client over libcurl for hub downloads: HEAD without redirects, streamed GET, timeouts.
// Transfer failures come back as values (the retry loop in hub.cpp decides); misuse of libcurl throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vidscribe::models {

struct HttpOptions {
  double connect_timeout_s = 15;    // give up connecting after this long (default 15 s)
  // Abort a transfer (as a transient failure) when no byte has arrived for this long, headers included
  // (default 30 s). Checked about once a second.
  double stall_timeout_s = 30;
  std::string user_agent = "vidscribe";
};

struct HttpResponse {
  // Transfer outcome: ok means an HTTP status came back (any status).
  bool ok = false;
  bool transient = false;  // a failure worth retrying (connection refused or cut, stall, 408/429/5xx)
  std::string error;       // libcurl's message when !ok
  bool no_connection = false;  // the host could not be resolved or reached at all

  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; of the last response (after redirects)
  std::string location;                        // Location resolved to an absolute URL (3xx only)
  std::string body;                            // non-2xx bodies only, first 4 KiB (for error messages)

  std::string header(const std::string& lower_name) const;
};

// True for HTTP statuses a retry may fix.
bool is_transient_status(long status);

// How many seconds the server asks a client to wait before its next request (Retry-After, sent with 429 and
// 503: delay-seconds or an HTTP date); 0 for a date already past, -1 when absent or unreadable.
double retry_after_s(const HttpResponse& response);

// One connection cache (libcurl easy handle) for sequential requests; not thread-safe.
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // HEAD `url` with extra header lines ("Name: value"); redirects are reported, not followed.
  HttpResponse head(const std::string& url, const std::vector<std::string>& headers);

  // Called once before the first body byte of a 2xx response; returns false to abort the transfer.
  // Both callbacks may throw: the transfer stops and get() rethrows.
  using StartFn = std::function<bool(const HttpResponse&)>;
  // Receives the body of a 2xx response; returns false to abort.
  using DataFn = std::function<bool(const char* data, size_t size)>;
  // GET `url`, following redirects. A transfer aborted by a callback is !ok and not transient.
  HttpResponse get(const std::string& url, const std::vector<std::string>& headers, const StartFn& on_start,
                   const DataFn& on_data);

 private:
  struct CurlDeleter {
    void operator()(void* curl) const;
  };
  HttpResponse perform(const std::string& url, const std::vector<std::string>& headers, bool head,
                       const StartFn* on_start, const DataFn* on_data);

  HttpOptions options_;
  std::unique_ptr<void, CurlDeleter> curl_;
};

// "https://host:port" of a URL (scheme and authority), lower-cased; "" if the URL has no scheme.
std::string url_origin(const std::string& url);

}  // namespace vidscribe::models
