#!/usr/bin/env bash
# Installs the system packages vidscribe needs to build, test and run (Debian 12 / Ubuntu 22.04+).
# Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # model stack: libtorch (CPU) and OpenBLAS; without libopenblas0-pthread libtorch falls back to the
  # reference BLAS, about 25x slower for the matrix products CLIP and GPT-2 are made of
  libtorch-dev libopenblas0-pthread
  # video input: FFmpeg's libraries (linked) and the ffmpeg tool (tests make their videos with it)
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  # command line, JSON, tests and benchmarks
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  # model downloads, the library index, evaluation
  libcurl4-openssl-dev libcpp-httplib-dev libsqlite3-dev libstemmer-dev wordnet-base
  # METEOR's paraphrase table is gzip-compressed
  zlib1g-dev
  # tokenizers: Unicode categories, white space and lower case with Python's semantics
  libicu-dev
  # the batch tests start a real single-node Slurm (controller, node daemon, munge authentication)
  slurmctld slurmd slurm-client munge
  # the library's vector index (exact and approximate inner-product search)
  libfaiss-dev
  # the viewer's browser tests: real headless Chromium driven through WebDriver
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
