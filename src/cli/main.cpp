// vidscribe: timestamped captions of the events in a video, with no training data.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <vector>

#include "cli/command.h"
#include "cli/terminal.h"
#include "nn/runtime.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {
GlobalOptions g_options;

std::vector<std::pair<int, Setup>>& registry() {
  static std::vector<std::pair<int, Setup>> r;
  return r;
}
}  // namespace

const GlobalOptions& global_options() { return g_options; }

bool register_command(int order, Setup setup) {
  registry().emplace_back(order, setup);
  return true;
}

int main(int argc, char** argv) {
  CLI::App app{"vidscribe: timestamped captions of the events in any video, with no training data (ZeroTA)."};
  app.require_subcommand(1);
  // The global options may also follow the subcommand (`vidscribe batch ... --quiet --threads 8`): the
  // subcommands made after this line pass what they do not know on to the program.
  app.fallthrough();
  app.set_version_flag("--version", std::string("vidscribe ") + VIDSCRIBE_VERSION);
  app.add_option("--threads", g_options.threads, "CPU threads for the models (0 = all cores; at most 1024)")
      ->default_val(0)
      ->check(CLI::Range(0, 1024));
  app.add_option("--device", g_options.device, "Where the models run: cpu, cuda or cuda:N")->default_val("cpu");
  app.add_flag("-q,--quiet", g_options.quiet, "No progress display and no warnings");
  app.add_flag("-v,--verbose", g_options.verbose, "Log details (repeat for more)");

  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::map<CLI::App*, Runner> runners;
  for (auto& [order, setup] : commands) {
    size_t before = app.get_subcommands([](CLI::App*) { return true; }).size();
    Runner run = setup(app);
    auto subs = app.get_subcommands([](CLI::App*) { return true; });
    if (subs.size() == before + 1) runners[subs.back()] = std::move(run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Every usage error exits with the documented status 2, whatever CLI11's own code for it.
    app.exit(e);
    return exit_status(ErrorCode::kInvalidArgument);
  } catch (const Error& e) {
    // Option values are checked as they are parsed (cli/caption_options.h).
    std::cerr << "vidscribe: " << e.what() << "\nRun with --help for more information." << std::endl;
    return exit_status(e.code());
  }

  util::set_default_callbacks(terminal_callbacks(g_options.quiet, g_options.verbose));
  try {
    nn::set_threads(g_options.threads);
    for (CLI::App* sub : app.get_subcommands()) {
      auto it = runners.find(sub);
      if (it != runners.end()) it->second();
    }
  } catch (const ExitStatus& e) {
    return e.status;
  } catch (const Error& e) {
    std::cerr << "vidscribe: " << e.what() << std::endl;
    return exit_status(e.code());
  } catch (const std::filesystem::filesystem_error& e) {
    // The operating system refused a file operation: an I/O error with its path, not a bug.
    std::cerr << "vidscribe: " << e.what() << std::endl;
    return exit_status(ErrorCode::kIo);
  } catch (const std::exception& e) {
    // Anything else escaping the library is a bug; say so plainly.
    std::cerr << "vidscribe: internal error: " << e.what() << std::endl;
    return exit_status(ErrorCode::kInternal);
  }
  return 0;
}

}  // namespace vidscribe::cli

int main(int argc, char** argv) { return vidscribe::cli::main(argc, argv); }
