// Command-line options of the benchmark programs: "--name value" pairs. --help prints the usage and exits 0;
// an unknown name or a missing value says so, prints the usage on stderr and exits 2, so a typo never starts
// a run of many minutes with the defaults.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace vidscribe::bench {

// The options given, in order, as (name, value); `names` are the ones the program knows.
inline std::vector<std::pair<std::string, std::string>> parse_options(int argc, char** argv, const char* usage,
                                                                     std::initializer_list<const char*> names) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      std::printf("%s\n", usage);
      std::exit(0);
    }
    const bool known = std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
    if (!known || i + 1 >= argc) {
      std::fprintf(stderr, "%s: %s %s\n%s\n", argv[0], known ? "no value for" : "unknown option", name.c_str(), usage);
      std::exit(2);
    }
    out.emplace_back(name, argv[++i]);
  }
  return out;
}

}  // namespace vidscribe::bench
