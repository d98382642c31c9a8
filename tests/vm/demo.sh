#!/usr/bin/env bash
# The README's "main job" end to end, on the real dm-era target in a QEMU VM: init-new, mount,
# write files, status, recover, verify (byte compare), with timings.
# Usage: tests/vm/demo.sh [--disk-mib N] [vm-run options...]   (default disks: 512 MiB)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x build/schelk ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build --target schelk -j"${JOBS:-$(nproc)}"
fi
exec tests/vm/vm-run.sh --disk-mib 512 --ram-mib 64 --timeout 900 "$@" tests/vm/demo-guest.sh
