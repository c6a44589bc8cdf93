#!/usr/bin/env bash
# Writes the seed corpora of the fuzz harnesses into fuzz/corpus/NAME/ (small valid inputs, and the hostile
# inputs that once crashed or misled vidscribe). Inputs that fuzzers find are added beside them by hand.
# usage: fuzz/make-corpus.sh [SHARED_DIR]   (default ../shared)
set -euo pipefail
shared=$(cd "${1:-$(dirname "$0")/../../shared}" && pwd)
cd "$(dirname "$0")"
c=corpus
mkdir -p $c/eval_json $c/tokenizer $c/safetensors $c/model_config $c/frame_cache

# Evaluation JSON.
printf '{"v": {"duration": 10, "timestamps": [[0, 1], [2, 5.5]], "sentences": ["a man sings.", "he stops."]}}' \
  > $c/eval_json/references.json
printf '{"version": "VERSION 1.0", "external_data": {"used": false}, "results": {"v": [{"sentence": "a man", "timestamp": [0, 2]}]}}' \
  > $c/eval_json/submission.json
printf '{"v": {"duration": 10, "timestamps": [[0, 1e400]], "sentences": ["a"]}}' > $c/eval_json/huge-number.json
{ printf '{"v": {"duration": 10, "timestamps": ['; head -c 20000 /dev/zero | tr '\0' '['; printf '0';
  head -c 20000 /dev/zero | tr '\0' ']'; printf '], "sentences": ["a"]}}'; } > $c/eval_json/deep-nesting.json

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
echo "corpora written to $(pwd)/$c"
