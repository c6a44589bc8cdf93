// What every fuzz harness shares. A harness defines LLVMFuzzerTestOneInput(data, size) and calls
// vidscribe::fuzz::run(...) around the parser it feeds: a vidscribe::Error is the expected answer to bad
// input; anything else escaping (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::fuzz {

template <typename F>
void run(F&& parse) {
  try {
    parse();
  } catch (const Error&) {
    // The clear message bad input must get.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz finding: an exception other than vidscribe::Error escaped: %s\n", e.what());
    std::abort();
  }
}

// A file holding `data`, for parsers that read paths: one per process and name, under /dev/shm when it exists.
inline std::filesystem::path as_file(std::string_view data, const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    auto d = base / ("vidscribe-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto path = dir / name;
  util::write_file_atomic(path, data);
  return path;
}

}  // namespace vidscribe::fuzz
