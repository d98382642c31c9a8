#!/usr/bin/env bash
# Issue 5: discards bypass dm-era's tracking (a discard marks only its first block). With a
# scratch disk that really deallocates (discard=unmap), a benchmark that deletes baseline files,
# runs fstrim and sends raw discards to the era device (ext4 mounted with -o discard, which
# schelk warns about) must still end byte-identical to virgin after recover.
# vm: --scratch-discard --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/discard.sh"
need_schelk

step "scratch deallocates discarded ranges"
check_scratch_deallocates

step "baseline files on virgin; init-from with mount option 'discard'"
make_baseline_virgin
check_output_contains "init-from warns about the discard mount option" \
  'WARNING.*discard' sk -y init-from --virgin "$VIRGIN" --scratch "$SCRATCH" \
  --ramdisk "$RAMDISK" --mount-point $MP --mount-options discard
check_same_bytes "init-from: scratch equals virgin" "$VIRGIN" "$SCRATCH"

step "mount"
out=$(sk mount 2>&1); rc=$?
check_eq "mount succeeds" 0 "$rc"
check_output_contains "mount says discards are off while tracking" \
  'Discards are off on /dev/mapper/bench_era' echo "$out"
check_output_contains "mount warns that the discard option has no effect" 'WARNING.*discard' \
  echo "$out"
check "baseline files present" baseline_intact

step "benchmark: delete, fstrim, blkdiscard"
benchmark_with_discards
step "raw blkdiscard with the filesystem unmounted"
umount $MP
check_output_contains "blkdiscard of the unmounted era device: EOPNOTSUPP" \
  'Operation not supported' blkdiscard -f /dev/mapper/bench_era
check_differ_bytes "scratch differs from virgin before recover" "$VIRGIN" "$SCRATCH"

step "recover"
check "recover" sk recover
check_same_bytes "recover: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
check "era device gone" test ! -e /dev/mapper/bench_era

step "mount again: the baseline is back"
check "mount again" sk mount
check "baseline files restored" baseline_intact
check "recover again" sk recover
check_same_bytes "second cycle: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
