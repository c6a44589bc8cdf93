#!/usr/bin/env bash
# Installs, builds and runs every test (fast and slow). Pass ctest arguments to narrow it,
# e.g. `scripts/test.sh -LE slow` for the quick suite or `-R tokenizer`.
#
# `scripts/test.sh --sanitize [ctest arguments]` builds with AddressSanitizer and UBSan into build-sanitize/
# (RelWithDebInfo, no benchmarks) and runs the quick suite (or what the arguments select) under them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--sanitize" ]; then
  shift
  export BUILD_DIR=${BUILD_DIR:-build-sanitize} BUILD_TYPE=RelWithDebInfo
  export CMAKE_ARGS="${CMAKE_ARGS:-} -DVIDSCRIBE_SANITIZE=ON -DVIDSCRIBE_BUILD_BENCH=OFF"
  # Leak checking is off: libtorch and the OpenMP runtime keep allocations alive until exit by design
  # (thread pools, operator registries), which LeakSanitizer reports by the thousand. Every other check stays
  # on and stops the test at the first report. The suppressions file names third-party internals only.
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/scripts/ubsan.supp"
  [ $# -gt 0 ] || set -- -LE slow
fi
bash scripts/build.sh
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
