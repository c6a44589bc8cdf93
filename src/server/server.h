// vidscribe serve: a library's videos, captions and search over HTTP (docs/server.md), on cpp-httplib.
// Every request opens its own connection to the library (SQLite connections are not shared between threads);
// searches share one CLIP model, loaded on the first search, one at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "vidscribe/options.h"

namespace vidscribe::server {

struct ServerParams {
  std::filesystem::path library;  // must exist
  std::string host = "127.0.0.1";
  int port = 8080;                // 0: any free port (port() tells which)
  std::string token;              // non-empty: every request needs it (Bearer header, cookie, or ?token=)
  std::string clip;               // the CLIP model to search with (default: the library's only one)
  std::string models_cache;
  std::string device = "cpu";
  int threads = 0;
  std::string prompt = CaptionOptions{}.method.prompt;  // before a text query, as `vidscribe search` puts it
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
