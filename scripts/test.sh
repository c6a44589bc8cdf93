#!/usr/bin/env bash
# Installs, builds and runs the tests.
#
#   scripts/test.sh                    every test: the whole suite (fast and slow) in build/, then the quick
#                                      suite again under AddressSanitizer and UBSan in build-sanitize/ (CI)
#   scripts/test.sh CTEST_ARGS...      build/ only, the tests the ctest arguments select
#                                      (e.g. `-LE slow` for the quick suite, `-R tokenizer`)
#   scripts/test.sh --sanitize [CTEST_ARGS...]
#                                      build-sanitize/ only (RelWithDebInfo at -O1, no benchmarks): the quick
#                                      suite, or what the arguments select, under the sanitizers
set -euo pipefail
cd "$(dirname "$0")/.."

run_suite() {  # BUILD_DIR CTEST_ARGS...
  local dir=$1
  shift
  BUILD_DIR=$dir bash scripts/build.sh
  (cd "$dir" && ctest --output-on-failure -j "$(nproc)" "$@")
}

run_sanitized() {  # CTEST_ARGS...
  # Leak checking is off: libtorch and the OpenMP runtime keep allocations alive until exit by design
  # (thread pools, operator registries), which LeakSanitizer reports by the thousand. Every other check stays
  # on and stops the test at the first report. The suppressions file names third-party internals only.
  [ $# -gt 0 ] || set -- -LE slow
  BUILD_TYPE=RelWithDebInfo CMAKE_ARGS="${CMAKE_ARGS:-} -DVIDSCRIBE_SANITIZE=ON -DVIDSCRIBE_BUILD_BENCH=OFF" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/scripts/ubsan.supp" \
    run_suite "${SANITIZE_BUILD_DIR:-build-sanitize}" "$@"
}

if [ "${1:-}" = "--sanitize" ]; then
  shift
  run_sanitized "$@"
elif [ $# -gt 0 ]; then
  run_suite "${BUILD_DIR:-build}" "$@"
else
  start=$SECONDS
  run_suite "${BUILD_DIR:-build}"
  echo "== test.sh: the whole suite took $((SECONDS - start)) s; now the quick suite under the sanitizers"
  start=$SECONDS
  run_sanitized
  echo "== test.sh: the sanitizer build and suite took $((SECONDS - start)) s"
fi
