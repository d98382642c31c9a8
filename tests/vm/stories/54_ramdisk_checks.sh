#!/usr/bin/env bash
# Issue 10, items 1 and 2: the metadata device is checked like a volume at init and at mount
# (virgin, scratch, a partition of scratch, a loop device over scratch's backing file, virgin and
# scratch aliasing one file, a non-RAM disk without --allow-any-ramdisk), each refusal leaving
# virgin and scratch byte-identical; then mount clears only block 0 of a dirty ramdisk and the
# kernel formats fresh, empty era metadata.
# vm: --disk-mib 64 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

mkdir -p $MP
sums() { sha256sum "$VIRGIN" "$SCRATCH" /tmp/pdisk.img /tmp/vdisk.img 2>/dev/null | awk '{print $1}'; }
# refused MSG ERE ARGS...: schelk ARGS fails with a message matching ERE, and writes nothing:
# the volumes and the loop images hash as before, and no state file appears.
refused() {
  local msg=$1 re=$2 before; shift 2
  sync; echo 3 >/proc/sys/vm/drop_caches
  before=$(sums)
  check_output_contains "$msg: refused" "$re" "$@"
  sync; echo 3 >/proc/sys/vm/drop_caches
  check_eq "$msg: virgin, scratch and the images unchanged" "$before" "$(sums)"
}
init_from() { sk -y init-from --no-copy --fstype ext4 --mount-point $MP "$@"; }

step "volumes with content, and loop devices over partitioned images"
mkfs.ext4 -q -F "$VIRGIN" && cat "$VIRGIN" >"$SCRATCH"
truncate -s 24M /tmp/pdisk.img /tmp/vdisk.img
# An MBR with one Linux partition: sectors 2048 .. 2048+32768.
printf '\x00\x00\x00\x00\x83\x00\x00\x00\x00\x08\x00\x00\x00\x80\x00\x00' |
  dd of=/tmp/pdisk.img bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of=/tmp/pdisk.img bs=1 seek=510 conv=notrunc status=none
LS=$(losetup -f --show -P /tmp/pdisk.img)    # "scratch": a loop disk with a partition
LV=$(losetup -f --show /tmp/vdisk.img)       # "virgin"
LA=$(losetup -f --show /tmp/pdisk.img)       # a second loop over scratch's backing file
truncate -s 16M /tmp/vpart.img
LVP=$(losetup -f --show /tmp/vpart.img)      # a "virgin" the size of the partition
sleep 1
check "the partition of the loop disk exists" test -b "${LS}p1"

step "init refuses every ramdisk that is a volume or shares its storage"
refused "ramdisk = virgin" "RAM disk $VIRGIN is the same device as virgin" \
  sk -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$VIRGIN" --mount-point $MP
refused "ramdisk = scratch" "RAM disk $SCRATCH is the same device as scratch" \
  init_from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$SCRATCH"
refused "ramdisk = a partition of scratch" "RAM disk ${LS}p1 is a partition of scratch $LS" \
  init_from --virgin "$LV" --scratch "$LS" --ramdisk "${LS}p1"
refused "ramdisk = the whole disk of scratch" "RAM disk $LS is the whole disk of scratch ${LS}p1" \
  init_from --virgin "$LVP" --scratch "${LS}p1" --ramdisk "$LS"
refused "ramdisk = a loop over scratch's backing file" \
  "RAM disk $LA is a loop device over the same file as scratch $LS" \
  init_from --virgin "$LV" --scratch "$LS" --ramdisk "$LA"
refused "virgin and scratch: two loops over one file" \
  "Scratch $LA is a loop device over the same file as virgin $LS: they are the same storage" \
  init_from --virgin "$LS" --scratch "$LA" --ramdisk "$RAMDISK"
refused "ramdisk = a regular file" "RAM disk /tmp/vdisk.img is not a block device" \
  init_from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk /tmp/vdisk.img
check "no state file after the refusals" test ! -e "$SK_STATE"

step "a non-RAM disk: a loop device over a file on 9p (the host's disk)"
mkdir -p "$VM_OUT" && truncate -s 8M "$VM_OUT/meta.img"
LN=$(losetup -f --show "$VM_OUT/meta.img")
refused "ramdisk = a loop over a 9p file, without the flag" \
  "RAM disk $LN is not RAM-backed.*--allow-any-ramdisk" \
  init_from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$LN"
check "accepted with --allow-any-ramdisk" \
  init_from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$LN" --allow-any-ramdisk
check_output_contains "the flag is stored in the state" '"allow_any_ramdisk": true' cat "$SK_STATE"
check "mount with the stored flag" sk mount
check "recover" sk recover
check_same_bytes "after the non-RAM metadata device: scratch equals virgin" "$VIRGIN" "$SCRATCH"

step "a loop device over a file on tmpfs is RAM-backed"
mkdir -p /tmp/rt && mount -t tmpfs -o size=16m tmpfs /tmp/rt && truncate -s 8M /tmp/rt/meta.img
LT=$(losetup -f --show /tmp/rt/meta.img)
check "init-from with a loop over tmpfs as ramdisk" \
  init_from --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$LT"

step "mount re-checks the ramdisk the state file names"
check_output_contains "init-new names the ramdisk in its warning" \
  "The RAM disk $RAMDISK is overwritten at every 'schelk mount'" sk_init
sed -i "s|\"ramdisk\": \"$RAMDISK\"|\"ramdisk\": \"$VIRGIN\"|" "$SK_STATE"
refused "mount with the state's ramdisk edited to virgin" \
  "RAM disk $VIRGIN is the same device as virgin.*correct 'ramdisk' in" sk mount
check "no era device was made" test ! -e /dev/mapper/bench_era
sed -i "s|\"ramdisk\": \"$VIRGIN\"|\"ramdisk\": \"$RAMDISK\"|" "$SK_STATE"
sed -i 's|"granularity": 4096|"granularity": 0|' "$SK_STATE"
refused "mount with granularity 0 in the state" "field 'granularity' is 0" sk mount
sed -i 's|"granularity": 0|"granularity": 4096|' "$SK_STATE"

step "constant-time mount: old era metadata on the ramdisk, only block 0 cleared"
nsec=$(blockdev --getsz "$SCRATCH")
# dirty_ramdisk: metadata of an era device that went through 12 checkpoints; prints its era.
dirty_ramdisk() {
  dm create old_era --table "0 $nsec era $RAMDISK $SCRATCH 8"
  for i in $(seq 1 12); do dm message old_era 0 checkpoint; done
  dm status old_era | awk '{print $6}'
  dm remove old_era
}
old_era=$(dirty_ramdisk)
check "the ramdisk holds old metadata (era $old_era) beyond block 0" \
  test "$(dd if=$RAMDISK bs=4096 skip=1 count=64 iflag=direct status=none | tr -d '\0' | wc -c)" -gt 0
# What mount does, by hand: zero block 0 only; the kernel must format fresh metadata.
dd if=/dev/zero of=$RAMDISK bs=4096 count=1 oflag=direct conv=notrunc status=none
dm create fresh_era --table "0 $nsec era $RAMDISK $SCRATCH 8"
check_eq "block 0 zeroed: the era device starts at era 1 (old metadata was at $old_era)" 1 \
  "$(dm status fresh_era | awk '{print $6}')"
dm remove fresh_era  # commits; the metadata is then read as the tools read any
check "0.9 era_check accepts the fresh metadata" era_check "$RAMDISK"
era_dump "$RAMDISK" >/tmp/meta.xml
check_output_contains "era_dump reads it (nr_blocks of scratch)" \
  "nr_blocks=\"$((nsec / 8))\"" cat /tmp/meta.xml
check_eq "no block is marked written in any writeset" 0 "$(grep -c 'value="true"' /tmp/meta.xml)"
check_eq "no block in the era array is newer than era 0" 0 \
  "$(grep '<era block' /tmp/meta.xml | grep -vc 'era="0"')"
old_era=$(dirty_ramdisk)
check "schelk mount on the dirty ramdisk" sk mount
check_eq "the era device starts fresh (era 2 after its checkpoint; old metadata at $old_era)" 2 \
  "$(dm status bench_era | awk '{print $6}')"
check "recover" sk recover
check_same_bytes "end: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
losetup -d "$LS" "$LV" "$LVP" "$LA" "$LN" "$LT" 2>/dev/null
