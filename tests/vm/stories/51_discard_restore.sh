#!/usr/bin/env bash
# Issue 5 with restore (recover + mount under one lock): the new era table must get discards off
# again, and a trimming benchmark before and after the restore still rolls back exactly.
# vm: --scratch-discard --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/discard.sh"
need_schelk

check_scratch_deallocates
make_baseline_virgin
check "init-from" sk -y init-from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
check "mount" sk mount

step "benchmark run 1: delete, fstrim, blkdiscard"
benchmark_with_discards
check_differ_bytes "scratch differs from virgin before restore" "$VIRGIN" "$SCRATCH"

step "restore"
out=$(sk restore 2>&1); rc=$?
check_eq "restore succeeds" 0 "$rc"
check_output_contains "restore's mount says discards are off" 'Discards are off on' echo "$out"
check "mounted again" grep -q " $MP " /proc/mounts
check "baseline files restored byte for byte" baseline_intact
check "new file of run 1 is gone" test ! -e $MP/new1

step "benchmark run 2 on the table restore loaded"
benchmark_with_discards
check_fails "restored table: blkdiscard of a range fails" \
  blkdiscard -f -o 0 -l $((1 << 20)) /dev/mapper/bench_era

step "recover"
check "recover" sk recover
check_same_bytes "after restore + run 2 + recover: scratch byte-identical to virgin" \
  "$VIRGIN" "$SCRATCH"
