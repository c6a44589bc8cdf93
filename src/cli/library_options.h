// What the library commands (`library ...`, `search`) share: where the library is and how long to wait for
// another writer.
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

}  // namespace vidscribe::cli
