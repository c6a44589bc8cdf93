#!/usr/bin/env bash
# Installs the dependencies and builds vidscribe (Release) into build/. Idempotent and incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build_type=${BUILD_TYPE:-Release}
build_dir=${BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "$(nproc)"
