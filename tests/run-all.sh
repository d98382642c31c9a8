#!/usr/bin/env bash
# Runs every test: unit tests (normal and ASan/UBSan builds), the transports (ssh, rclone, S3)
# on loop devices, the parser fuzzer for a bounded time, and the end-to-end tests on the real
# dm-era kernel target in a QEMU VM.
# Usage: tests/run-all.sh   (from the repository root, after scripts/install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "source checks: clang-format, duplicated code"
scripts/check-format.sh
scripts/check-duplicates.sh

step "fetch the Rust 1.x era tools (test oracle and benchmark peer; unpacked, never installed)"
export SCHELK_TPT_RUST
SCHELK_TPT_RUST=$(scripts/fetch-tpt-rust.sh | tail -n 1)
echo "$SCHELK_TPT_RUST"

step "build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCHELK_WERROR=ON >/dev/null
cmake --build build -j"$jobs"

step "unit tests"
(cd build && ctest --output-on-failure -j"$jobs")

step "transports end to end: ssh, rclone (local, sftp, s3rver), aws CLI, the fleet recipe (root)"
tests/transport/run.sh build/schelk

step "the .deb: cpack, apt-get install in a fresh Debian 12 root, run it (about 2 minutes)"
tests/package/deb_test.sh build

step "build (ASan/UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSCHELK_SANITIZE=ON -DSCHELK_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"

step "unit tests under ASan/UBSan"
lsan_supp=$PWD/tests/lsan.supp
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$lsan_supp" \
  ctest --output-on-failure -j"$jobs")

if [ -x tests/fuzz/run.sh ]; then
  step "fuzz the metadata parser"
  tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"
fi

if [ -x tests/vm/run.sh ]; then
  step "end-to-end tests on the real dm-era kernel target (QEMU VM)"
  VM_JOBS=${VM_JOBS:-2} tests/vm/run.sh
fi
