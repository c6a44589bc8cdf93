#include "server/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

#include "export/writers.h"
#include "library/library.h"
#include "library/ops.h"
#include "library/search.h"
#include "server/http_range.h"
#include "server/jobs.h"
#include "server/thumbs.h"
#include "server/web_assets.h"
#include "util/log.h"
#include "vidscribe/error.h"
#include "vidscribe/version.h"

namespace vidscribe::server {
namespace fs = std::filesystem;

namespace {

constexpr size_t kConnectionThreads = 64;

// The HTTP status of an error, by its code.
int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kUnsupportedMedia: return 415;
    case ErrorCode::kIo: return 503;  // the library is busy or unreadable for the moment
    default: return 500;
  }
}

const char* code_name(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media";
    case 416: return "range_not_satisfiable";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
  }
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  const nlohmann::json body = {{"error", {{"code", code_name(status)}, {"message", message}}}};
  res.set_content(body.dump(), "application/json");
}

void send_json(httplib::Response& res, const nlohmann::ordered_json& j) {
  res.set_content(j.dump(), "application/json");
}

// Query parameters as numbers, with their range checked.
int64_t int_param(const httplib::Request& req, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be a whole number, got \"" + v.substr(0, 40) + "\"");
  }
  const int64_t n = std::stoll(v);
  if (n < lo || n > hi) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

int64_t id_of(const httplib::Request& req) {
  const std::string s = req.matches[1];
  if (s.size() > 18) throw Error(ErrorCode::kNotFound, "no video " + s.substr(0, 24));
  return std::stoll(s);
}

const char* media_type(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".mp4" || ext == ".m4v") return "video/mp4";
  if (ext == ".webm") return "video/webm";
  if (ext == ".mkv") return "video/x-matroska";
  if (ext == ".mov") return "video/quicktime";
  if (ext == ".ogv" || ext == ".ogg") return "video/ogg";
  if (ext == ".avi") return "video/x-msvideo";
  return "application/octet-stream";
}

// Equal strings, in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

std::string cookie_value(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    const size_t start = part.find_first_not_of(' ');
    part = start == std::string::npos ? "" : part.substr(start);
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

// A lock taken in the order it was asked for. (A std::mutex lets the thread that just released it take it again
// at once, so under 20 clients some searches waited seconds while others went through.)
class FifoLock {
 public:
  void lock() {
    std::unique_lock<std::mutex> l(mutex_);
    const uint64_t ticket = next_++;
    turn_.wait(l, [&] { return serving_ == ticket; });
  }
  void unlock() {
    {
      std::lock_guard<std::mutex> l(mutex_);
      ++serving_;
    }
    turn_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  uint64_t next_ = 0, serving_ = 0;
};

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.compare(0, 4, "127.") == 0;
}

VideoCaptions captions_of(library::Library& lib, const library::Video& v) {
  VideoCaptions c;
  c.video = v.path;
  c.duration_s = v.duration_s;
  if (const std::optional<library::CaptionRun> run = lib.latest_run(v.id)) {
    for (const library::EventRow& e : run->events) c.events.push_back({e.start_s, e.end_s, e.caption, e.score});
  }
  return c;
}

}  // namespace

struct Server::Impl {
  ServerParams params;
  httplib::Server http;
  int port = 0;
  FifoLock search_lock;
  std::unique_ptr<library::Library> search_library;  // the searcher's own connection, used under search_lock
  std::unique_ptr<library::Searcher> searcher;
  Thumbnails thumbnails;
  std::unique_ptr<Jobs> jobs;  // with allow_captioning

  library::Library open() const {
    library::Library::OpenOptions o;
    o.busy_timeout_s = params.busy_timeout_s;
    return library::Library(params.library, o);
  }

  library::Video video_or_404(library::Library& lib, int64_t id) const {
    std::optional<library::Video> v = lib.video(id);
    if (!v) throw Error(ErrorCode::kNotFound, "no video " + std::to_string(id) + " in the library");
    return *v;
  }

  // Runs a handler, every failure an error response.
  template <typename F>
  httplib::Server::Handler guarded(F body) {
    return [body](const httplib::Request& req, httplib::Response& res) {
      try {
        body(req, res);
      } catch (const Error& e) {
        send_error(res, status_of(e.code()), e.what());
      } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal error: ") + e.what());
      }
    };
  }

  void routes();
  void pages();
  void media(const httplib::Request& req, httplib::Response& res);
  bool allowed(const httplib::Request& req, httplib::Response& res) const;
};

void Server::Impl::routes() {
  http.Get("/api/health", guarded([this](const httplib::Request&, httplib::Response& res) {
    library::Library lib = open();
    library::Stmt s(lib.db(), "SELECT count(*) FROM videos");
    s.step();
    send_json(res, {{"status", "ok"}, {"vidscribe", VIDSCRIBE_VERSION_STRING}, {"library", params.library.string()},
                    {"videos", s.integer(0)}, {"captioning", params.allow_captioning}});
  }));

  http.Get("/api/videos", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const int64_t offset = int_param(req, "offset", 0, 0, INT64_C(1) << 40);
    const int64_t limit = int_param(req, "limit", 50, 1, 1000);
    const std::string sort = req.has_param("sort") ? req.get_param_value("sort") : "id";
    const std::string order = req.has_param("order") ? req.get_param_value("order") : "asc";
    const std::string q = req.has_param("q") ? req.get_param_value("q") : "";
    static const char* kSorts[][2] = {{"id", "id"}, {"path", "path"}, {"duration", "duration_s"}, {"added", "added"}};
    const char* column = nullptr;
    for (const auto& s : kSorts) {
      if (sort == s[0]) column = s[1];
    }
    if (column == nullptr) throw Error(ErrorCode::kInvalidArgument, "sort must be id, path, duration or added");
    if (order != "asc" && order != "desc") throw Error(ErrorCode::kInvalidArgument, "order must be asc or desc");
    if (q.size() > 1000) throw Error(ErrorCode::kInvalidArgument, "q is longer than 1000 bytes");
    library::Library lib = open();
    // The filter: the path, or a caption of the latest run, contains the text (any case, ASCII).
    const std::string where =
        q.empty() ? "" :
        " WHERE instr(lower(v.path), lower(?1)) > 0 OR EXISTS (SELECT 1 FROM events e WHERE e.video_id = v.id AND "
        "e.run_id = (SELECT max(r.id) FROM caption_runs r WHERE r.video_id = v.id) AND instr(lower(e.caption), lower(?1)) > 0)";
    library::Stmt count(lib.db(), "SELECT count(*) FROM videos v" + where);
    if (!q.empty()) count.bind(1, q);
    count.step();
    library::Stmt s(lib.db(), "SELECT v.id FROM videos v" + where + " ORDER BY v." + column + " " + order +
                                  ", v.id LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset));
    if (!q.empty()) s.bind(1, q);
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    while (s.step()) {
      if (std::optional<library::Video> v = lib.video(s.integer(0))) list.push_back(library::video_json(lib, *v, false));
    }
    send_json(res, {{"total", count.integer(0)}, {"offset", offset}, {"limit", limit}, {"videos", list}});
  }));

  http.Get(R"(/api/videos/(\d+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    library::Library lib = open();
    send_json(res, library::video_json(lib, video_or_404(lib, id_of(req)), true));
  }));

  http.Get(R"(/api/videos/(\d+)/captions\.vtt)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    library::Library lib = open();
    res.set_content(exporter::render_vtt(captions_of(lib, video_or_404(lib, id_of(req)))), "text/vtt; charset=utf-8");
  }));

  http.Get(R"(/api/videos/(\d+)/chapters\.vtt)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    library::Library lib = open();
    const VideoCaptions c = captions_of(lib, video_or_404(lib, id_of(req)));
    res.set_content(c.events.empty() ? std::string("WEBVTT\n") : exporter::render_vtt_chapters(c), "text/vtt; charset=utf-8");
  }));

  http.Get("/api/search", guarded([this](const httplib::Request& req, httplib::Response& res) {
    library::SearchOptions o;
    o.top = static_cast<int>(int_param(req, "top", 10, 1, 1000));
    o.per_video = static_cast<int>(int_param(req, "per_video", 3, 1, 1000));
    o.video = int_param(req, "video", 0, 0, INT64_C(1) << 40);
    if (req.has_param("mode")) o.mode = req.get_param_value("mode");
    const std::string q = req.has_param("q") ? req.get_param_value("q") : "";
    if (q.empty()) throw Error(ErrorCode::kInvalidArgument, "q (the query) is missing or empty");
    library::check_search_options(o);
    std::lock_guard<FifoLock> lock(search_lock);
    if (!searcher) {
      library::Library::OpenOptions lo;
      lo.busy_timeout_s = params.busy_timeout_s;
      search_library = std::make_unique<library::Library>(params.library, lo);
      library::Searcher::Params sp;
      sp.clip = params.models.clip;
      sp.models_cache = params.models.models_cache;
      sp.device = params.models.device;
      sp.threads = params.models.threads;
      sp.prompt = params.captioning.options.method.prompt;
      searcher = std::make_unique<library::Searcher>(*search_library, sp);
    }
    const std::vector<library::Moment> results = searcher->search(q, "", o);
    send_json(res, library::results_json(library::cut_query(q), "", o.mode, searcher->model(), results));
  }));

  // The frame nearest t: /thumbs/{id}/{t}.jpg, t in seconds with up to 3 decimals.
  http.Get(R"(/thumbs/(\d+)/(\d{1,9}(?:\.\d{1,3})?)\.jpg)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    library::Video v;
    {
      library::Library lib = open();
      v = video_or_404(lib, id_of(req));
    }
    std::error_code ec;
    if (!fs::is_regular_file(v.path, ec)) {
      throw Error(ErrorCode::kNotFound, "the file of video " + std::to_string(v.id) + " is gone (" + v.path + ")");
    }
    const std::string jpeg = thumbnails.get(v.path, v.size, v.mtime_ns, std::stod(std::string(req.matches[2])));
    res.set_header("Cache-Control", "private, max-age=3600");
    res.set_content(jpeg, "image/jpeg");
  }));

  http.Post(R"(/api/videos/(\d+)/caption)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    if (!jobs) {
      send_error(res, 403, "this server is read-only: start it with --allow-captioning to caption from the browser");
      return;
    }
    library::Library lib = open();
    const library::Video v = video_or_404(lib, id_of(req));
    res.status = 202;
    send_json(res, jobs->submit(v.id, v.path));
  }));

  http.Get(R"(/api/jobs/(\d+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const int64_t id = id_of(req);
    std::optional<nlohmann::ordered_json> job = jobs ? jobs->get(id) : std::nullopt;
    if (!job) throw Error(ErrorCode::kNotFound, "no job " + std::to_string(id));
    send_json(res, *job);
  }));

  pages();

  http.Get(R"(/media/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      media(req, res);
    } catch (const Error& e) {
      send_error(res, status_of(e.code()), e.what());
    }
  });

  // Errors without a body of their own (unknown routes, cpp-httplib's 400/414): the same JSON shape.
  // (Unhandled for a response that has its body: cpp-httplib then leaves it as it is, Content-Range included.)
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const int status = res.status;
    // cpp-httplib answers a Range header it cannot parse with 416 before any handler runs: the media's size
    // still belongs in Content-Range (RFC 9110 section 15.5.17).
    if (status == 416 && req.path.compare(0, 7, "/media/") == 0) {
      try {
        const std::string digits = req.path.substr(7);
        if (!digits.empty() && digits.size() <= 18 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
          library::Library lib = open();
          if (const std::optional<library::Video> v = lib.video(std::stoll(digits))) {
            std::error_code ec;
            const auto size = fs::file_size(v->path, ec);
            if (!ec) res.set_header("Content-Range", "bytes */" + std::to_string(size));
          }
        }
      } catch (const std::exception&) {
      }
      send_error(res, 416, "the Range header is not one this server can read: " + req.get_header_value("Range").substr(0, 100));
      return httplib::Server::HandlerResponse::Handled;
    }
    send_error(res, status, status == 404   ? "no such page: " + req.path.substr(0, 200)
                            : status == 414 ? std::string("the request's URL is too long")
                                            : "the request could not be answered (HTTP " + std::to_string(status) + ")");
    return httplib::Server::HandlerResponse::Handled;
  }));
}

// The viewer: one page (index.html) for every view, and its script and style sheet, all compiled in.
void Server::Impl::pages() {
  auto serve = [this](const char* name, const char* type) {
    return [name, type](const httplib::Request&, httplib::Response& res) {
      const EmbeddedFile* f = find_embedded(name);
      if (f == nullptr) return send_error(res, 404, std::string("this build has no ") + name);
      res.set_header("Cache-Control", "no-cache");
      res.set_content(reinterpret_cast<const char*>(f->data), f->size, type);
    };
  };
  for (const char* route : {"/", R"(/video/(\d+))", "/search"}) http.Get(route, serve("index.html", "text/html; charset=utf-8"));
  http.Get("/app.js", serve("app.js", "text/javascript; charset=utf-8"));
  http.Get("/app.css", serve("app.css", "text/css; charset=utf-8"));
}

// What every request passes first: the token, the Host of a loopback server (a page of another site that
// renames itself to 127.0.0.1 - DNS rebinding - does not reach the library), and for a POST an Origin of
// this server's own (another site's form cannot start a job).
bool Server::Impl::allowed(const httplib::Request& req, httplib::Response& res) const {
  if (!params.token.empty()) {
    const std::string auth = req.get_header_value("Authorization");
    const bool ok = (auth.compare(0, 7, "Bearer ") == 0 && same_secret(auth.substr(7), params.token)) ||
                    same_secret(cookie_value(req.get_header_value("Cookie"), "vidscribe_token"), params.token);
    if (!ok) {
      if (!req.has_param("token") || !same_secret(req.get_param_value("token"), params.token)) {
        send_error(res, 401, "this server needs its token: Authorization: Bearer TOKEN, or ?token=TOKEN once");
        return false;
      }
      // The first visit by a link with the token: a cookie for what the page loads next.
      res.set_header("Set-Cookie", "vidscribe_token=" + params.token + "; Path=/; HttpOnly; SameSite=Strict");
    }
  }
  const std::string host = req.get_header_value("Host");
  if (is_loopback(params.host) && !host.empty()) {
    const std::string name = host.front() == '[' ? host.substr(0, host.find(']') + 1) : host.substr(0, host.rfind(':'));
    if (!is_loopback(name) && name != "[::1]") {
      send_error(res, 403, "this server answers only requests for this machine (Host: " + host.substr(0, 100) + ")");
      return false;
    }
  }
  if (req.method == "POST" && req.has_header("Origin")) {
    const std::string origin = req.get_header_value("Origin");
    if (origin != "http://" + host) {
      send_error(res, 403, "a page of another site (" + origin.substr(0, 100) + ") cannot change this library");
      return false;
    }
  }
  return true;
}

void Server::Impl::media(const httplib::Request& req, httplib::Response& res) {
  // Ranges are answered here, never by cpp-httplib (see http_range.h).
  const_cast<httplib::Request&>(req).ranges.clear();
  library::Library lib = open();
  const library::Video v = video_or_404(lib, id_of(req));
  // Only a library's file, by its id: no part of the URL names a path.
  const int fd = ::open(v.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorCode::kNotFound, "the file of video " + std::to_string(v.id) + " is gone (" + v.path +
                                          "): moved or deleted since it was added (vidscribe library check)");
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kNotFound, "the file of video " + std::to_string(v.id) + " is not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  const ByteRange r = parse_range(req.get_header_value("Range"), size);
  res.set_header("Accept-Ranges", "bytes");
  if (r.kind == ByteRange::Kind::kUnsatisfiable) {
    ::close(fd);
    send_error(res, 416, "the range " + req.get_header_value("Range").substr(0, 100) + " is outside the " +
                             std::to_string(size) + " bytes of video " + std::to_string(v.id));
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    return;
  }
  uint64_t first = 0, length = size;
  if (r.kind == ByteRange::Kind::kPart) {
    first = r.first;
    length = r.last - r.first + 1;
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size));
  }
  auto file = std::make_shared<int>(fd);
  res.set_content_provider(
      static_cast<size_t>(length), media_type(v.path),
      [file, first, length](size_t offset, size_t want, httplib::DataSink& sink) {
        char buf[1 << 16];
        const size_t n = std::min<size_t>({want, sizeof buf, static_cast<size_t>(length - offset)});
        const ssize_t got = ::pread(*file, buf, n, static_cast<off_t>(first + offset));
        if (got <= 0) return false;  // the file shrank or failed: the connection is closed
        return sink.write(buf, static_cast<size_t>(got));
      },
      [file](bool) { ::close(*file); });
}

Server::Server(const ServerParams& params) : impl_(std::make_unique<Impl>()) {
  impl_->params = params;
  { library::Library check = impl_->open(); }  // there, and a library
  impl_->routes();
  impl_->http.set_pre_routing_handler([impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
    return impl->allowed(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
  });
  // Every answer: its type is what it says, and no other site may frame the pages.
  impl_->http.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"X-Frame-Options", "DENY"},
                                   {"Referrer-Policy", "no-referrer"},
                                   {"Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"}});
  if (impl_->params.allow_captioning) {
    library::AddParams base;
    base.context = impl_->params.models;
    base.caption_params = impl_->params.captioning;
    impl_->jobs = std::make_unique<Jobs>(impl_->params.library, impl_->params.busy_timeout_s, base);
  }
  impl_->http.set_payload_max_length(1 << 20);
  // A thread per open connection, up to 64: a browser keeps up to 6 open (a playing video holds one), and
  // cpp-httplib's default of 8 threads left the 9th client waiting for another's keep-alive to end (seconds).
  impl_->http.new_task_queue = [] { return new httplib::ThreadPool(kConnectionThreads); };
  // cpp-httplib's default sets SO_REUSEPORT, with which a second server binds a port in use and the two
  // share its connections; SO_REUSEADDR alone lets a restart reuse a port in TIME_WAIT and nothing more.
  // TCP_NODELAY (inherited by accepted connections): a response's headers and body go out as written, not
  // held back by Nagle's algorithm until the client's delayed ACK - 40 ms on every small JSON answer.
  impl_->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  impl_->http.set_tcp_nodelay(true);
  const bool bound = impl_->params.port == 0
                         ? (impl_->port = impl_->http.bind_to_any_port(impl_->params.host.c_str())) > 0
                         : impl_->http.bind_to_port(impl_->params.host.c_str(), impl_->params.port);
  if (!bound) {
    throw Error(ErrorCode::kIo, "cannot listen on " + impl_->params.host + ":" + std::to_string(impl_->params.port) +
                                    " (in use, or not an address of this machine; --port chooses another)");
  }
  if (impl_->params.port != 0) impl_->port = impl_->params.port;
}

Server::~Server() { stop(); }

int Server::port() const { return impl_->port; }

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() { impl_->http.stop(); }

}  // namespace vidscribe::server
