#include "cli/library_options.h"

#include <CLI/CLI.hpp>

#include "models/cache.h"
#include "util/file_hash.h"
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

library::Model choose_model(library::Library& lib, const std::string& clip, const std::string& models_cache) {
  const std::vector<library::Model> models = lib.models();
  std::string known;
  for (const library::Model& m : models) known += (known.empty() ? "" : ", ") + m.sha256.substr(0, 12) + " (" + m.folder + ")";
  if (!clip.empty()) {
    const std::filesystem::path folder = models::resolve_model(clip, models_cache);
    const std::string sha = util::file_sha256(folder / "model.safetensors");
    for (const library::Model& m : models) {
      if (m.sha256 == sha) return m;
    }
    throw Error(ErrorCode::kNotFound, "the library has no frames of the CLIP model " + clip +
                                          (known.empty() ? std::string(" (it has none)") : " (it has: " + known + ")"));
  }
  if (models.empty()) throw Error(ErrorCode::kNotFound, "the library has no frame embeddings yet (vidscribe library add)");
  if (models.size() > 1) {
    throw Error(ErrorCode::kInvalidArgument, "the library holds frames of several CLIP models: " + known + "; --clip chooses");
  }
  return models.front();
}

}  // namespace vidscribe::cli
