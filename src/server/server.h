// vidscribe serve: a library's videos, captions and search over HTTP (docs/server.md), on cpp-httplib.
// Every request opens its own connection to the library (SQLite connections are not shared between threads);
// searches share one CLIP model, loaded on the first search, one at a time. The viewer's pages are compiled in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "vidscribe/vidscribe.h"

namespace vidscribe::server {

struct ServerParams {
  std::filesystem::path library;  // must exist
  std::string host = "127.0.0.1";
  int port = 8080;                // 0: any free port (port() tells which)
  std::string token;              // non-empty: every request needs it (Bearer header, cookie, or ?token=)
  // The models: search uses clip (empty: the library's only CLIP model), models_cache, device and threads;
  // captioning jobs all of it, as `vidscribe library add --caption` does.
  ContextParams models;
  bool allow_captioning = false;  // POST /api/videos/{id}/caption starts a job; otherwise 403
  CaptionParams captioning;       // the jobs' options and frame cache; options.method.prompt also starts text queries
  double busy_timeout_s = 5;
};

class Server {
 public:
  // Checks the library and binds the port. Throws Error: kNotFound (no library), kInvalidArgument (not a
  // library), kIo (the port is in use or cannot be bound).
  explicit Server(const ServerParams& params);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // Answers requests until stop() (from any thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidscribe::server
