#include "models/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <exception>
#include <mutex>

#include "vidscribe/error.h"

namespace vidscribe::models {
namespace {
constexpr size_t kMaxErrorBody = 4096;

// The one place libcurl setup codes become exceptions (transfer codes are values: see HttpResponse).
void check(CURLcode code, const char* what) {
  if (code != CURLE_OK) {
    throw Error(ErrorCode::kInternal, std::string("libcurl ") + what + ": " + curl_easy_strerror(code));
  }
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { check(curl_global_init(CURL_GLOBAL_DEFAULT), "global init"); });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Transfer state shared with libcurl's C callbacks.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  const HttpClient::StartFn* on_start = nullptr;
  const HttpClient::DataFn* on_data = nullptr;
  bool started = false;
  bool aborted = false;  // a callback returned false or threw
  bool stalled = false;  // no byte for stall_timeout_s
  double stall_timeout_s = 0;
  curl_off_t last_bytes = -1;
  std::chrono::steady_clock::time_point last_change;
  std::exception_ptr error;  // what a callback threw: rethrown once libcurl has returned
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after a redirect or a 100 Continue)
  } else if (size_t colon = line.find(':'); colon != std::string::npos) {
    t->response->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    std::string& body = t->response->body;
    body.append(data, std::min(bytes, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
    return bytes;
  }
  // Exceptions must not unwind through libcurl's C frames: keep them for perform() to rethrow.
  try {
    if (!t->started) {
      t->started = true;
      t->response->status = status;
      if (t->on_start != nullptr && *t->on_start && !(*t->on_start)(*t->response)) {
        t->aborted = true;
        return 0;
      }
    }
    if (t->on_data != nullptr && *t->on_data && !(*t->on_data)(data, bytes)) {
      t->aborted = true;
      return 0;
    }
  } catch (...) {
    t->error = std::current_exception();
    t->aborted = true;
    return 0;
  }
  return bytes;
}

// Aborts a transfer on which nothing has moved for stall_timeout_s. libcurl calls it at least once a second.
int on_progress(void* user, curl_off_t, curl_off_t dl_now, curl_off_t, curl_off_t ul_now) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (dl_now + ul_now != t->last_bytes) {
    t->last_bytes = dl_now + ul_now;
    t->last_change = now;
    return 0;
  }
  if (std::chrono::duration<double>(now - t->last_change).count() >= t->stall_timeout_s) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

bool is_transient_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}
}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool is_transient_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

double retry_after_s(const HttpResponse& response) {
  const std::string value = response.header("retry-after");
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return value.size() > 9 ? 1e9 : std::stod(value);  // more than 30 years is as good as forever
  }
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return -1;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

void HttpClient::CurlDeleter::operator()(void* curl) const { curl_easy_cleanup(static_cast<CURL*>(curl)); }

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init();
  curl_.reset(curl_easy_init());
  if (!curl_) throw Error(ErrorCode::kInternal, "libcurl: cannot create a handle");
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::head(const std::string& url, const std::vector<std::string>& headers) {
  return perform(url, headers, /*head=*/true, nullptr, nullptr);
}

HttpResponse HttpClient::get(const std::string& url, const std::vector<std::string>& headers,
                             const StartFn& on_start, const DataFn& on_data) {
  return perform(url, headers, /*head=*/false, &on_start, &on_data);
}

HttpResponse HttpClient::perform(const std::string& url, const std::vector<std::string>& headers, bool head,
                                 const StartFn* on_start, const DataFn* on_data) {
  CURL* curl = static_cast<CURL*>(curl_.get());
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer transfer;
  transfer.curl = curl;
  transfer.response = &response;
  transfer.on_start = on_start;
  transfer.on_data = on_data;
  char error_buf[CURL_ERROR_SIZE] = {0};

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const std::string& h : headers) {
    curl_slist* next = curl_slist_append(header_list.get(), h.c_str());
    if (next == nullptr) throw Error(ErrorCode::kInternal, "libcurl: out of memory for headers");
    header_list.release();
    header_list.reset(next);
  }

  check(curl_easy_setopt(curl, CURLOPT_URL, url.c_str()), "URL");
  check(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get()), "headers");
  check(curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str()), "user agent");
  check(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L), "nosignal");
  check(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buf), "error buffer");
  check(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000)),
        "connect timeout");
  // libcurl's own low-speed check averages over several seconds; a stall is detected sooner by hand.
  transfer.stall_timeout_s = options_.stall_timeout_s;
  transfer.last_change = std::chrono::steady_clock::now();
  check(curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress), "progress callback");
  check(curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer), "progress data");
  check(curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L), "progress");
  check(curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header), "header callback");
  check(curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer), "header data");
  check(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body), "write callback");
  check(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer), "write data");
  // HTTP(S) only, redirects included: a hostile redirect must not reach file:// or other schemes.
#if LIBCURL_VERSION_NUM >= 0x075500
  check(curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols");
  check(curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "redirect protocols");
#else
  check(curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS)), "protocols");
  check(curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS)), "redirect protocols");
#endif
  if (head) {
    check(curl_easy_setopt(curl, CURLOPT_NOBODY, 1L), "HEAD");
    check(curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L), "no redirects");
  } else {
    check(curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L), "redirects");
    check(curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L), "max redirects");
  }

  CURLcode code = curl_easy_perform(curl);
  if (transfer.error) std::rethrow_exception(transfer.error);
  if (transfer.stalled) {
    response.ok = false;
    response.transient = true;
    response.error = "no data for " + std::to_string(static_cast<int>(options_.stall_timeout_s + 0.5)) +
                     " s: the transfer stalled";
    return response;
  }
  if (code != CURLE_OK && !(transfer.aborted && code == CURLE_WRITE_ERROR)) {
    response.ok = false;
    response.transient = is_transient_curl(code);
    response.no_connection = code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT ||
                             code == CURLE_COULDNT_RESOLVE_PROXY;
    response.error = error_buf[0] != '\0' ? error_buf : curl_easy_strerror(code);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }
  if (transfer.aborted) {
    response.ok = false;
    response.error = "aborted";
    return response;
  }
  response.ok = true;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.transient = is_transient_status(response.status);
  if (response.status >= 300 && response.status < 400) {
    char* location = nullptr;
    curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
    if (location != nullptr) response.location = location;
  }
  // A 2xx response with an empty body never reached on_body: start it now so callers see the status.
  if (!transfer.started && response.status >= 200 && response.status < 300 && on_start != nullptr && *on_start &&
      !head) {
    if (!(*on_start)(response)) {
      response.ok = false;
      response.error = "aborted";
    }
  }
  return response;
}

std::string url_origin(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  return lower(url.substr(0, host_end));
}

}  // namespace vidscribe::models
