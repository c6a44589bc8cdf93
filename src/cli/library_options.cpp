#include "cli/library_options.h"

#include <CLI/CLI.hpp>

#include "vidscribe/error.h"

namespace vidscribe::cli {

void add_library_location(CLI::App& app, LibraryLocation& where) {
  const char* g = "Library";
  app.add_option("--library", where.path,
                 "The library file (default $VIDSCRIBE_LIBRARY, $XDG_DATA_HOME/vidscribe/library.db or "
                 "~/.local/share/vidscribe/library.db)")
      ->group(g);
  app.add_option("--busy-timeout", where.busy_timeout_s, "Seconds to wait while another vidscribe writes to the library")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6))
      ->group(g);
}

library::Library open_library(const LibraryLocation& where, bool create) {
  library::Library::OpenOptions o;
  o.create = create;
  o.busy_timeout_s = where.busy_timeout_s;
  return library::Library(where.path.empty() ? library::default_library_path() : std::filesystem::path(where.path), o);
}

}  // namespace vidscribe::cli
