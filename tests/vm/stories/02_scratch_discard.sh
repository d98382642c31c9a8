#!/usr/bin/env bash
# The --scratch-discard VM option: the scratch disk deallocates on discard like a real NVMe drive
# (reads back zeros), and dm-era over it marks only the first block of a discard
# (doc/kernel-behaviour.md 3), which is why a recover after a trim can miss blocks.
# vm: --scratch-discard --disk-mib 128 --ram-mib 16
set -u
. "$(dirname "$0")/../lib/assert.sh"

S=$SCRATCH R=$RAMDISK NAME=disc_era
check_output_contains "scratch advertises discard" '^[1-9]' cat "/sys/block/${S#/dev/}/queue/discard_max_bytes"
dd if=/dev/urandom of="$S" bs=1M count=4 oflag=direct status=none
check "blkdiscard of scratch's first 4 MiB" blkdiscard -o 0 -l $((4 << 20)) "$S"
check_same_bytes "discarded range reads back as zeros" "$S" /dev/zero $((4 << 20))

dd if=/dev/zero of="$R" bs=1M oflag=direct status=none 2>/dev/null
sect=$(blockdev --getsz "$S")
check "create era over the discarding scratch" dm create "$NAME" --table "0 $sect era $R $S 8" || exit 1
dm mknodes "$NAME"
dd if=/dev/urandom of="/dev/mapper/$NAME" bs=4096 count=64 seek=2000 oflag=direct status=none
dm message "$NAME" 0 checkpoint
check "blkdiscard of 64 blocks at 2000 through dm-era" \
  blkdiscard -o $((2000 * 4096)) -l $((64 * 4096)) "/dev/mapper/$NAME"
check_eq "those 64 blocks now read as zeros on scratch" \
  "$(head -c $((64 * 4096)) /dev/zero | sha256sum)" \
  "$(dd if="$S" bs=4096 skip=2000 count=64 iflag=direct status=none | sha256sum)"
e=$(dm status "$NAME" | awk '{print $6}')
dm suspend "$NAME"
copy_direct "$R" /tmp/m.bin
L=$(as_loop /tmp/m.bin)
check_eq "dm-era marked only the discard's first block in era $e" "2000" \
  "$(era_invalidate --written-since "$e" "$L" | xml_blocks | tr '\n' ' ' | sed 's/ $//')"
dm resume "$NAME"
check "remove" dm remove "$NAME"
dm mknodes
