// The subcommand registry of the vidscribe program: each cli/<name>.cpp registers itself here.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace vidscribe::cli {

// Options every subcommand shares; parsed before the subcommand runs.
struct GlobalOptions {
  int threads = 0;             // --threads: CPU threads for the models (0 = all cores)
  std::string device = "cpu";  // --device: cpu or cuda[:N]
  bool quiet = false;          // --quiet: no progress, no warnings
  int verbose = 0;             // -v: log details (losses per step, timings)
};
const GlobalOptions& global_options();

// A subcommand's setup adds it to `app` with its options and returns what runs it after parsing.
using Runner = std::function<void()>;
using Setup = Runner (*)(CLI::App& app);

// Thrown by a subcommand that has said what happened and ends with a status of its own (`batch`: 10 when
// videos failed, 143 after SIGTERM); main returns it.
struct ExitStatus {
  int status;
};

// Registers a subcommand; `order` sorts them in --help. Returns true (for static initialisation).
bool register_command(int order, Setup setup);

}  // namespace vidscribe::cli

// In a cli/<name>.cpp at namespace scope: VIDSCRIBE_COMMAND(30, setup_embed_text);
#define VIDSCRIBE_COMMAND(order, setup) \
  static const bool vidscribe_registered_##setup = ::vidscribe::cli::register_command(order, setup)
