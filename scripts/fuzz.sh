#!/usr/bin/env bash
# Builds the fuzz harnesses (fuzz/) as libFuzzer programs with clang, AddressSanitizer and UBSan into
# build-fuzz/, and runs each for SECONDS (default 60) on a copy of its corpus, several jobs at a time.
# Findings (crashing inputs) land in build-fuzz/findings/NAME/; add them to fuzz/corpus/NAME/ once fixed, so
# the test suite replays them. usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
bash scripts/install-deps.sh
command -v clang++ > /dev/null || { echo "scripts/fuzz.sh needs clang (apt-get install clang)" >&2; exit 1; }
build=${BUILD_DIR:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIDSCRIBE_FUZZ=ON \
    -DVIDSCRIBE_BUILD_TESTS=OFF -DVIDSCRIBE_BUILD_BENCH=OFF
fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(eval_json tokenizer safetensors model_config frame_cache media image manifest search_query)
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]/#/fuzz_}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h" findings="$build/findings/$h"
  mkdir -p "$corpus" "$findings"
  cp -n fuzz/corpus/"$h"/* "$corpus"/ 2> /dev/null || true
  echo "== $h: $seconds s"
  if ! "$build/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
      -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" 2> "$build/fuzz-$h.log"; then
    status=1
    echo "   finding: see $build/fuzz-$h.log and $findings/"
  fi
  grep -E "^stat::number_of_executed_units|^Done|SUMMARY" "$build/fuzz-$h.log" | sed 's/^/   /' || true
done
exit $status
