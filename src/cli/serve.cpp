// vidscribe serve: the library over HTTP on a loopback port by default (docs/server.md).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/caption_options.h"
#include "cli/command.h"
#include "cli/library_options.h"
#include "cli/terminal.h"
#include "server/server.h"
#include "util/log.h"
#include "vidscribe/options.h"

namespace vidscribe::cli {
namespace {

struct ServeCliOptions {
  LibraryLocation where;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  bool open = false;
  bool allow_captioning = false;
  ModelCliOptions models;
  CaptionOptions options;
};

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

void run_serve(const ServeCliOptions& o) {
  server::ServerParams p;
  p.library = o.where.path.empty() ? library::default_library_path() : std::filesystem::path(o.where.path);
  p.host = o.host;
  p.port = o.port;
  p.token = o.token;
  if (p.token.empty()) {
    if (const char* t = std::getenv("VIDSCRIBE_TOKEN"); t != nullptr) p.token = t;
  }
  p.models = context_params(o.models);
  p.allow_captioning = o.allow_captioning;
  p.captioning = caption_params(o.models, o.options);
  p.busy_timeout_s = o.where.busy_timeout_s;
  if (!loopback(p.host)) {
    util::warn("serving on " + p.host + ": other machines can reach this library" +
               (p.token.empty() ? std::string("; --token T (or $VIDSCRIBE_TOKEN) makes them show a token") : std::string()));
  }
  server::Server s(p);
  const std::string url = "http://" + (p.host == "0.0.0.0" ? std::string("127.0.0.1") : p.host) + ":" + std::to_string(s.port()) + "/";
  std::cout << "vidscribe: serving " << p.library.string() << " at " << url << (p.token.empty() ? "" : "?token=...") << std::endl;
  if (o.open) {
    const std::string cmd = "xdg-open '" + url + "' >/dev/null 2>&1 &";
    if (std::system(cmd.c_str()) != 0) util::warn("could not open a browser; open " + url);
  }
  install_interrupt_handlers();
  std::thread watcher([&s] {
    while (interrupt_signal() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s.stop();
  });
  s.run();
  watcher.detach();  // it ends with the process
  std::cerr << "vidscribe: stopped" << std::endl;
}

Runner setup_serve(CLI::App& app) {
  auto o = std::make_shared<ServeCliOptions>();
  CLI::App* sub = app.add_subcommand("serve", "Serve the library in the browser: a viewer, a JSON API, media with ranges, captions and chapters as WebVTT, search");
  sub->add_option("--host", o->host, "Address to listen on (a non-loopback one is reachable by other machines)")->capture_default_str();
  sub->add_option("--port", o->port, "Port (0: any free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  sub->add_option("--token", o->token, "Require this token (Authorization: Bearer T, or ?token=T once; default $VIDSCRIBE_TOKEN)");
  sub->add_flag("--open", o->open, "Open the URL in a browser");
  sub->add_flag("--allow-captioning", o->allow_captioning,
                "Let the browser caption videos (POST /api/videos/{id}/caption; one job at a time, with the models and options below)");
  add_library_location(*sub, o->where);
  // Search uses --clip (default: the library's only CLIP model); captioning jobs all of these, as library add --caption.
  add_model_options(*sub, o->models);
  sub->get_option("--clip")->description(
      "CLIP model folder or name: the one to search with (default: the library's only one) and to caption with (default: the preset's)");
  add_caption_options(*sub, o->options);
  return [o] { run_serve(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(18, setup_serve);

}  // namespace vidscribe::cli
