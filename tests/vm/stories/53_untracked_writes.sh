#!/usr/bin/env bash
# Issue 5, part 2: scratch changed while dm-era is not tracking it. Raw writes and discards
# between recover and mount, a process holding scratch open for writing, and a device-mapper
# device stacked on scratch make mount refuse; full-recover makes it trusted again.
# vm: --scratch-discard --disk-mib 128 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/discard.sh"
need_schelk

check "init-new" sk -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
check "stamp recorded at init" test -s "$ST.scratch"
check "mount after init" sk mount
dd if=/dev/urandom of=$MP/f bs=1M count=2 status=none
check "recover" sk recover

step "reads of scratch are fine"
cat "$SCRATCH" >/dev/null
check "mount after a full read of scratch" sk mount
check "recover" sk recover

step "a raw write between recover and mount"
dd if=/dev/urandom of="$SCRATCH" bs=4096 count=1 seek=20000 oflag=direct conv=notrunc status=none
check_output_contains "mount refuses: scratch written outside schelk" \
  'changed outside schelk.*full-recover' sk mount
check "no era device left behind" test ! -e /dev/mapper/bench_era
check "full-recover" sk -y full-recover
check_same_bytes "full-recover: identical" "$VIRGIN" "$SCRATCH"
check "mount after full-recover" sk mount
check "recover" sk recover

step "a raw discard between recover and mount"
blkdiscard -f -o $((64 << 20)) -l $((8 << 20)) "$SCRATCH"
check_output_contains "mount refuses: scratch discarded outside schelk" \
  'MiB discarded' sk mount
check "full-recover" sk -y full-recover

step "a process holding scratch open for writing"
sh -c "exec 3<>$SCRATCH; exec sleep 300" &
holder=$!
sleep 1
check_output_contains "mount refuses and names the writer" "open for writing by process" sk mount
kill $holder; wait $holder 2>/dev/null
check "mount once the writer is gone" sk mount
check "recover" sk recover

step "a device-mapper device stacked on scratch"
dm create stacked --table "0 2048 linear $SCRATCH 0" && dm mknodes stacked
check_output_contains "mount refuses: scratch held by dm-" 'held by dm-' sk mount
dm remove stacked
check "mount once the stacked device is gone" sk mount
check "recover" sk recover
check_same_bytes "end: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"

step "scratch mounted outside schelk (read-only, so its superblock stays as it was)"
mkdir -p /tmp/other && mount -o ro,noload "$SCRATCH" /tmp/other
check_output_contains "mount refuses: scratch in use" 'is in use' sk mount
check "nothing left behind: no era device" sh -c "! dmsetup --noudevsync info bench_era 2>/dev/null | grep -q ACTIVE"
check_output_contains "state still says not mounted" 'Mounted: no \(state\)' sk status
umount /tmp/other
check "mount once scratch is released" sk mount
check "recover" sk recover
check_same_bytes "after all refusals: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
