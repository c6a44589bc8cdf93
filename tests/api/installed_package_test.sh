#!/usr/bin/env bash
# The installed package works for someone who builds on it: `cmake --install` into a fresh prefix, then
# examples/caption_file configured with find_package(vidscribe) and built, the C example also built with
# pkg-config alone, and both run on a planted video with the tiny golden models. Also checks that the
# library exports the public API only.  usage: installed_package_test.sh BUILD_DIR SOURCE_DIR SHARED_DIR
set -euo pipefail
build=$1 source=$2 shared=$3
golden=$shared/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
lib=$(ls "$prefix"/lib*/libvidscribe.so.*.*.* 2> /dev/null || ls "$prefix"/lib/*/libvidscribe.so.*.*.*)
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libvidscribe.so.0.1" ] || { echo "SONAME is '$soname'"; exit 1; }
# No internals and no libraries compiled in (torch, nlohmann, CLI11) are exported.
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | c++filt | grep -v -E '^(vidscribe::|vidscribe_|typeinfo|vtable|VIDSCRIBE_0)' | head -5 || true)
[ -z "$leaked" ] || { echo "exported beyond the API:"; echo "$leaked"; exit 1; }
internal=$(nm -D --defined-only "$lib" | awk '{print $3}' | c++filt | grep -E 'vidscribe::(caption|nn|media|util|text|models|exporter|eval)::' | head -5 || true)
[ -z "$internal" ] || { echo "internal symbols exported:"; echo "$internal"; exit 1; }
# The headers stand alone: no torch, FFmpeg, curl or SQLite header behind them.
for h in "$prefix"/include/vidscribe/*.h; do
  if grep -E '#include [<"](torch|ATen|c10|libav|curl|sqlite)' "$h"; then echo "$h includes a dependency"; exit 1; fi
done

cmake -S "$source/examples/caption_file" -B "$tmp/example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/configure.log"
cmake --build "$tmp/example" > "$tmp/build.log"
pc_dir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/vidscribe.pc "$prefix"/lib/*/pkgconfig/vidscribe.pc 2> /dev/null | head -1)")
cc -std=c99 -Wall -o "$tmp/caption_file_pc" "$source/examples/caption_file/caption_file.c" \
  $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs vidscribe)

[ -d "$golden/tiny-clip" ] || { echo "no golden models in $golden: built, not run"; exit 0; }
ffmpeg -loglevel error -y -f lavfi -i color=red:s=64x48:r=5:d=6 -pix_fmt yuv420p "$tmp/v.mp4"
export LD_LIBRARY_PATH=$(dirname "$lib") VIDSCRIBE_FRAME_CACHE=$tmp/frames
for program in "$tmp/example/caption_file" "$tmp/example/caption_file_c" "$tmp/caption_file_pc"; do
  "$program" "$tmp/v.mp4" "$golden/tiny-clip" "$golden/tiny-gpt2" > "$tmp/out.txt"
  lines=$(wc -l < "$tmp/out.txt")
  [ "$lines" -ge 1 ] || { echo "$program printed no event"; exit 1; }
  echo "$(basename "$program"): $lines event(s): $(head -n 1 "$tmp/out.txt")"
done
# A missing video is the documented error, with the command line's exit status.
set +e
"$tmp/example/caption_file" "$tmp/missing.mp4" "$golden/tiny-clip" "$golden/tiny-gpt2" 2> "$tmp/err.txt"
status=$?
set -e
[ $status -eq 3 ] || { echo "missing video: exit $status"; cat "$tmp/err.txt"; exit 1; }
