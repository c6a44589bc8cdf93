// What the library commands (`library ...`, `search`, later `serve`) share: where the library is, how long to
// wait for another writer, and which of its CLIP models to use.
#pragma once

#include <string>

#include "library/library.h"

namespace CLI {
class App;
}

namespace vidscribe::cli {

struct LibraryLocation {
  std::string path;             // --library; default library::default_library_path()
  double busy_timeout_s = 30;   // --busy-timeout
};
void add_library_location(CLI::App& app, LibraryLocation& where);

// Opens the library (creating it for `create`); a missing one says how to make it.
library::Library open_library(const LibraryLocation& where, bool create);

// The library's model for `clip` (a folder or known name, matched by the weights' SHA-256), or its only one.
// Throws kNotFound (no frames of that model, or none at all) or kInvalidArgument (several and none chosen).
library::Model choose_model(library::Library& lib, const std::string& clip, const std::string& models_cache);

}  // namespace vidscribe::cli
