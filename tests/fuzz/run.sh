#!/usr/bin/env bash
# Fuzzes the dm-era metadata parser for SECONDS (default 60) with libFuzzer + ASan/UBSan.
# Builds build-fuzz/ with clang, seeds the corpus from the fixtures, exits non-zero on a crash.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSCHELK_FUZZ=ON -DSCHELK_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target era_metadata_fuzz -j"${FUZZ_JOBS:-2}"
corpus=build-fuzz/fuzz-corpus
mkdir -p "$corpus"
# Seeds: the used blocks of small fixtures, with byte 0 of each block turned into the harness's
# checksum tag (see era_metadata_fuzz.cpp), so the seeds start out valid.
python3 tests/fuzz/make_seeds.py fixtures/era "$corpus"
build-fuzz/tests/fuzz/era_metadata_fuzz -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus"
