#!/usr/bin/env bash
# Installs, builds and runs every test (fast and slow). Pass ctest arguments to narrow it,
# e.g. `scripts/test.sh -LE slow` for the quick suite or `-R tokenizer`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
