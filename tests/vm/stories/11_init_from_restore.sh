#!/usr/bin/env bash
# schelk stories 2, 3, 4 and 5: init-from (fstype from libblkid or --fstype, with copy),
# init-from --no-copy on identical volumes, three mount/write/recover iterations, restore
# (recover + mount under one lock). Byte-compare after every recover.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/schelk_story.sh"
need_schelk

step "story 2: init-from an existing ext4 (type detected by libblkid)"
check "mkfs.ext4 on virgin" mkfs.ext4 -q -F -b 4096 -L mine "$VIRGIN"
dd if=/dev/urandom of="$SCRATCH" bs=1M count=16 status=none
check_output_contains "init-from detects ext4" 'Detected filesystem type: ext4' \
  sk -y init-from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" --mount-point "$MP"
check_same_bytes "init-from copied virgin to scratch" "$VIRGIN" "$SCRATCH"
check_output_contains "fstype stored" '"fstype": "ext4"' cat "$SK_STATE"
check "mount" sk mount
check_output_contains "label is the virgin's" 'mine' blkid -s LABEL -o value /dev/mapper/bench_era
echo data >$MP/x; sync
check "recover" sk recover
check_same_bytes "recover after init-from" "$VIRGIN" "$SCRATCH"

step "story 2b: init-from with --fstype and mount options"
check "init-from --fstype ext4 --mount-options" sk -y init-from --virgin "$VIRGIN" \
  --scratch "$SCRATCH" --ramdisk "$RAMDISK" --mount-point "$MP" --fstype ext4 \
  --mount-options noatime,nodiratime
check "mount" sk mount
check_output_contains "mounted with noatime" " $MP ext4 [^ ]*noatime" cat /proc/mounts
check "recover" sk recover

step "story 3: init-from --no-copy on identical volumes"
check "init-from --no-copy" sk -y init-from --virgin "$VIRGIN" --scratch "$SCRATCH" \
  --ramdisk "$RAMDISK" --mount-point "$MP" --fstype ext4 --no-copy
check "mount after --no-copy" sk mount
check "recover" sk recover
step "story 3b: --no-copy with a scratch that differs is caught at mount"
dd if=/dev/urandom of="$SCRATCH" bs=4k count=1 seek=0 conv=notrunc status=none
check "init-from --no-copy (wrong assertion)" sk -y init-from --virgin "$VIRGIN" \
  --scratch "$SCRATCH" --ramdisk "$RAMDISK" --mount-point "$MP" --fstype ext4 --no-copy
check_output_contains "mount refuses a scratch that differs" \
  'Scratch volume superblock does not match virgin' sk mount
check "full-recover repairs it" sk -y full-recover
check_same_bytes "full-recover: identical" "$VIRGIN" "$SCRATCH"

step "story 4: three iterations"
for i in 1 2 3; do
  check "[$i] mount" sk mount
  dd if=/dev/urandom of=$MP/iter$i bs=1M count=$((i * 2)) status=none; sync
  check_output_contains "[$i] recover restores blocks" 'Blocks restored' sk recover
  check_same_bytes "[$i] identical" "$VIRGIN" "$SCRATCH"
done

step "story 5: restore"
check "mount" sk mount
dd if=/dev/urandom of=$MP/r bs=1M count=3 status=none; sync
check_output_contains "restore recovers then remounts" 'Recovery succeeded. Mounting restored' \
  sk restore
check "mounted again" grep -q " $MP " /proc/mounts
check "the file is gone after restore" test ! -e $MP/r
check "final recover" sk recover
check_same_bytes "identical after restore + recover" "$VIRGIN" "$SCRATCH"
check_output_contains "restore when idle just mounts" 'Successfully mounted' sk restore
check "recover" sk recover
