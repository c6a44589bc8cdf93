#!/usr/bin/env bash
# Writes the seed corpora of the fuzz harnesses into fuzz/corpus/NAME/ (small valid inputs, and the hostile
# inputs that once crashed or misled vidscribe). Inputs that fuzzers find are added beside them by hand.
# usage: fuzz/make-corpus.sh [SHARED_DIR]   (default ../shared)
set -euo pipefail
shared=$(cd "${1:-$(dirname "$0")/../../shared}" && pwd)
cd "$(dirname "$0")"
c=corpus
mkdir -p $c/eval_json $c/tokenizer $c/safetensors $c/model_config $c/frame_cache $c/media $c/image $c/manifest $c/search_query $c/http_range

# Evaluation JSON.
printf '{"v": {"duration": 10, "timestamps": [[0, 1], [2, 5.5]], "sentences": ["a man sings.", "he stops."]}}' \
  > $c/eval_json/references.json
printf '{"version": "VERSION 1.0", "external_data": {"used": false}, "results": {"v": [{"sentence": "a man", "timestamp": [0, 2]}]}}' \
  > $c/eval_json/submission.json
printf '{"v": {"duration": 10, "timestamps": [[0, 1e400]], "sentences": ["a"]}}' > $c/eval_json/huge-number.json
{ printf '{"v": {"duration": 10, "timestamps": ['; head -c 20000 /dev/zero | tr '\0' '['; printf '0';
  head -c 20000 /dev/zero | tr '\0' ']'; printf '], "sentences": ["a"]}}'; } > $c/eval_json/deep-nesting.json

# Search queries: words, FTS5 syntax that must stay words, bytes that are not UTF-8.
printf 'someone pours coffee' > $c/search_query/words.txt
printf '"quoted" NEAR(a b) col:y -z * AND OR NOT ^x {a b}' > $c/search_query/fts-syntax.txt
printf 'caf\xc3\xa9 \xff\xfe \xe2\x80' > $c/search_query/bad-utf8.txt
printf '\x00\x00\xc0\x7f\x00\x00\x80\x7f\x00\x00\x80\xff\x00\x00\x00\x00 cat' > $c/search_query/nan-inf-vector.bin
printf 'bytes=0-99' > $c/http_range/first.txt
printf 'bytes=-500' > $c/http_range/suffix.txt
printf 'bytes=10-, 0-1,99999999999999999999-' > $c/http_range/several.txt
printf 'bytes= 5 - 6 ,,, -0' > $c/http_range/spaces.txt
# Batch manifests: each seed is read as lines, JSONL and CSV.
printf '# videos\na.mp4\n\nsub/b c.mp4\n/abs/d.mkv\n../up/e.webm\n./a2.mp4\n' > $c/manifest/lines.txt
printf '{"path": "a.mp4", "id": "v_1"}\n{"path": "b.mp4"}\n# c\n{"path": "x", "id": "../../etc"}\n' > $c/manifest/ids.jsonl
printf 'id,path,extra\nv1,a.mp4,1\n"v,2","b ""q"".mp4",2\n"multi\nline",c.mp4,3\n' > $c/manifest/quoted.csv
printf 'path\na.mp4\n./a.mp4\n' > $c/manifest/duplicate.csv
{ printf '{"path": "a", "id": "'; head -c 600 /dev/zero | tr '\0' 'x'; printf '"}\n'; } > $c/manifest/long-id.jsonl

# Tokenizer: vocab.json NUL merges.txt.
printf '{"a": 0, "b": 1, "ab": 2, "c</w>": 3, "\\u0120a": 4, "<|endoftext|>": 5, "<|startoftext|>": 6}\0#version: 0.2\na b\n' \
  > $c/tokenizer/tiny.bin
printf '{"a": 0}\0a\n' > $c/tokenizer/bad-merge.bin

# safetensors: 8-byte little-endian header length, header, data.
st() {  # header data_bytes out
  local header=$1 n=${#1}
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x\\x00\\x00\\x00\\x00' $((n & 255)) $((n >> 8 & 255)) $((n >> 16 & 255)) $((n >> 24 & 255)))" > "$3"
  printf '%s' "$header" >> "$3"
  head -c "$2" /dev/zero >> "$3"
}
st '{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "__metadata__": {"format": "pt"}}' 16 $c/safetensors/f32.safetensors
st '{"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}, "b": {"dtype": "BF16", "shape": [1], "data_offsets": [6, 8]}}' 8 $c/safetensors/half.safetensors
st '{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}' 16 $c/safetensors/huge-shape.safetensors

# Model configs.
for m in tiny-clip tiny-gpt2; do
  [ -f "$shared/golden/$m/config.json" ] && cp "$shared/golden/$m/config.json" $c/model_config/$m.json
done
[ -f "$shared/golden/tiny-clip/preprocessor_config.json" ] && cp "$shared/golden/tiny-clip/preprocessor_config.json" $c/model_config/preprocessor.json
printf '{"text_config": {"hidden_size": "wide"}, "vision_config": {"hidden_size": [[[[1]]]]}}' > $c/model_config/wrong-types.json

# Frame cache entries without their checksum (the harness seals them): magic, version, header length, header,
# times (float64), embeddings (float32).
fc() {  # header n_frames dim out
  local header=$1 n=${#1}
  printf 'VSFRAMES' > "$4"
  printf '\x01\x00\x00\x00' >> "$4"
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) $((n >> 16 & 255)) $((n >> 24 & 255)))" >> "$4"
  printf '%s' "$header" >> "$4"
  head -c $(($2 * 8 + $2 * $3 * 4)) /dev/zero >> "$4"
}
fc '{"key": "k", "n_frames": 2, "dim": 3, "duration_s": 2.0, "created_by": "vidscribe"}' 2 3 $c/frame_cache/valid.bin
fc '{"key": "k", "n_frames": 2305843009213693952, "dim": 3, "duration_s": 2.0}' 2 3 $c/frame_cache/huge-count.bin
fc '{"key": "k", "n_frames": "2", "dim": 3, "duration_s": -1}' 2 3 $c/frame_cache/wrong-types.bin
# Media: tiny videos of many codecs, containers, sizes and pixel formats (a second at 4 frames a second each,
# so that sampling decodes, seeks and converts several frames), and the awkward cases that once broke it.
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }
src() { echo "testsrc2=s=$1:r=4:d=${2:-1}"; }
ff -f lavfi -i "$(src 32x24)" -c:v libx264 -g 2 -pix_fmt yuv420p $c/media/h264.mp4
ff -f lavfi -i "$(src 32x24)" -c:v libx264 -pix_fmt yuv420p10le $c/media/h264-10bit.mkv
ff -f lavfi -i "$(src 34x22)" -c:v libx264 -pix_fmt yuv422p $c/media/h264-422-odd.mkv
ff -f lavfi -i "$(src 26x16)" -c:v libx264 -pix_fmt yuv444p $c/media/h264-444.mp4
ff -f lavfi -i "$(src 24x40)" -c:v libx264 -pix_fmt yuv420p -metadata:s:v rotate=90 $c/media/portrait-rotated.mp4
ff -f lavfi -i "$(src 8x8)" -c:v libx264 -pix_fmt yuv420p $c/media/tiny-8x8.mp4
ff -f lavfi -i "$(src 32x24)" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 $c/media/vp9.webm
ff -f lavfi -i "$(src 32x24)" -c:v libvpx -deadline realtime $c/media/vp8.webm
ff -f lavfi -i "$(src 32x24)" -c:v libx265 -x265-params log-level=none $c/media/hevc.mkv
ff -f lavfi -i "$(src 32x24)" -c:v mjpeg -q:v 5 $c/media/mjpeg.mov
ff -f lavfi -i "$(src 32x24)" -c:v mpeg4 -q:v 5 $c/media/mpeg4.avi
ff -f lavfi -i "$(src 32x24)" -c:v mpeg2video -q:v 5 $c/media/mpeg2.ts
ff -f lavfi -i "$(src 32x24)" -c:v flv1 $c/media/flv1.flv
ff -f lavfi -i "$(src 32x24)" -c:v ffv1 -pix_fmt gray $c/media/ffv1-gray.mkv
ff -f lavfi -i "$(src 32x24)" -c:v png -pix_fmt rgba $c/media/png-rgba.mov
ff -f lavfi -i "$(src 32x24)" -vf "split[a][b];[a]palettegen=max_colors=16[p];[b][p]paletteuse" $c/media/anim.gif
ff -f lavfi -i "$(src 32x24 2)" -c:v libx264 -g 4 -pix_fmt yuv420p -movflags +faststart $c/media/faststart.mp4
head -c $(($(stat -c %s $c/media/faststart.mp4) / 2)) $c/media/faststart.mp4 > $c/media/faststart-cut.mp4
# An AVI whose header declares 0xFFFFFFFF frames (probe once believed it: 34 years of video).
ff -f lavfi -i "$(src 16x16)" -c:v mjpeg $c/media/huge-declared.avi
python3 - $c/media/huge-declared.avi <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
for tag, offset in ((b"avih", 16), (b"strh", 32)):  # dwTotalFrames, the video stream's dwLength
    at = data.find(tag) + 8 + offset
    data[at:at + 4] = b"\xff\xff\xff\xff"
open(sys.argv[1], "wb").write(data)
PY

# Images.
ff -f lavfi -i "$(src 26x18)" -frames:v 1 $c/image/rgb.png
ff -f lavfi -i "$(src 26x18)" -frames:v 1 -pix_fmt rgba $c/image/rgba.png
ff -f lavfi -i "$(src 26x18)" -frames:v 1 -pix_fmt pal8 $c/image/palette.png
ff -f lavfi -i "$(src 26x18)" -frames:v 1 -pix_fmt gray16be $c/image/gray16.png
ff -f lavfi -i "$(src 25x17)" -frames:v 1 -q:v 5 $c/image/odd.jpg
ff -f lavfi -i "$(src 26x18)" -frames:v 1 $c/image/rgb.bmp
ff -f lavfi -i "$(src 26x18)" -frames:v 1 $c/image/rgb.webp
ff -f lavfi -i "$(src 26x18)" -frames:v 1 $c/image/rgb.tiff
ff -f lavfi -i "$(src 26x18)" -frames:v 1 $c/image/one.gif
echo "corpora written to $(pwd)/$c"
