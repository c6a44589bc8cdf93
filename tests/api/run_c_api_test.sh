#!/usr/bin/env bash
# Runs the C API test program (c_api_test.c) on a planted video and the tiny golden models, and checks that
# its JSON output is what the program's captions say.  usage: run_c_api_test.sh PROGRAM SHARED_DIR
set -euo pipefail
program=$1 shared=$2
golden=$shared/golden
[ -d "$golden/tiny-clip" ] || { echo "no golden models in $golden: skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ffmpeg -loglevel error -y -f lavfi -i color=red:s=64x48:r=5:d=8 -f lavfi -i color=blue:s=64x48:r=5:d=8 \
  -filter_complex '[0][1]concat=n=2:v=1' -pix_fmt yuv420p "$tmp/v.mp4"
"$program" "$tmp/v.mp4" "$golden/tiny-clip" "$golden/tiny-gpt2" > "$tmp/out.txt"
# The events, a "--- json" line, then the JSON of the same result.
python3 -c '
import json, sys
head, body = open(sys.argv[1]).read().split("--- json\n", 1)
doc = json.loads(body)
events = [l.split(" ", 2) for l in head.splitlines()]
assert len(events) == len(doc["events"]) >= 1, (events, doc)
for (start, end, caption), e in zip(events, doc["events"]):
    assert abs(float(start) - e["start"]) < 1e-3 and abs(float(end) - e["end"]) < 1e-3, (start, end, e)
    assert caption == e["caption"], (caption, e)
print("C API: %d events, JSON agrees" % len(events))
' "$tmp/out.txt"
