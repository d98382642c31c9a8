#!/usr/bin/env bash
# Issue 5 with promote: a trimming benchmark's result promoted to the new baseline leaves virgin
# byte-identical to scratch (no discarded range that only scratch lost), and the next trimming
# run recovers byte-identical to the promoted virgin.
# vm: --scratch-discard --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/discard.sh"
need_schelk

check_scratch_deallocates
make_baseline_virgin
cp "$VIRGIN" /tmp/virgin-before.img 2>/dev/null || dd if="$VIRGIN" of=/tmp/virgin-before.img bs=1M status=none
check "init-from" sk -y init-from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
check "mount" sk mount

step "benchmark: delete baseline files, fstrim, blkdiscard, write new data"
benchmark_with_discards
(cd $MP && sha256sum new1) >/tmp/new.sha256
umount $MP

step "promote"
check_output_contains "promote" 'Promotion complete' sk -y promote
check_same_bytes "after promote: virgin byte-identical to scratch" "$VIRGIN" "$SCRATCH"
check_differ_bytes "virgin really changed" "$VIRGIN" /tmp/virgin-before.img
rm -f /tmp/virgin-before.img

step "next run on the promoted baseline"
check "mount the promoted baseline" sk mount
check "promoted file present" sh -c "cd $MP && sha256sum -c --quiet /tmp/new.sha256"
check "deleted baseline file stays deleted" test ! -e $MP/base1
rm -f $MP/new1
dd if=/dev/urandom of=$MP/new2 bs=1M count=8 status=none
sync
check_output_contains "fstrim not supported" 'not supported' fstrim -v $MP
check_output_contains "blkdiscard EOPNOTSUPP" 'Operation not supported' \
  blkdiscard -f /dev/mapper/bench_era
check "recover" sk recover
check_same_bytes "promote then recover: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
