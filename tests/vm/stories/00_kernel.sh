#!/usr/bin/env bash
# Smoke test of the VM itself: the real dm-era target loads and behaves as
# doc/kernel-behaviour.md says (eras, snapshots, O_DIRECT reads of the
# metadata device), and thin-provisioning-tools 0.9 accept the kernel's metadata.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"

S=$SCRATCH R=$RAMDISK NAME=smoke_era
check_eq "guest runs Debian's 6.1 kernel" "6.1" "$(uname -r | cut -d. -f1,2)"
check_output_contains "dm-era target registered" '^era ' dm targets
check_output_contains "dm-flakey target registered" '^flakey ' dm targets
check "fio reads the virgin disk through io_uring with O_DIRECT" \
  fio --name=u --ioengine=io_uring --filename="$VIRGIN" --rw=randread --bs=4k --size=4M \
      --direct=1 --iodepth=8 --output=/dev/null

step "fresh metadata on $R, era over $S"
dd if=/dev/zero of="$R" bs=1M count=4 oflag=direct status=none
sect=$(blockdev --getsz "$S")
check "dmsetup create era (block 8 sectors)" dm create "$NAME" --table "0 $sect era $R $S 8"
dm mknodes "$NAME"
check "dmsetup mknodes made /dev/mapper/$NAME" test -b "/dev/mapper/$NAME"
# status: 0 <len> era 8 <used>/<total> <current era> <snapshot block|->
era_of() { dm status "$NAME" | awk '{print $6}'; }
snap_of() { dm status "$NAME" | awk '{print $7}'; }
check_output_contains "status line of a fresh era device" "^0 $sect era 8 [0-9]+/[0-9]+ 1 -$" \
  dm status "$NAME"

# A buffered copy taken now fills the page cache; later buffered copies may be stale.
dd if="$R" of=/tmp/buf0 bs=1M count=4 status=none
copy_direct "$R" /tmp/dir0

blocks="10 11 12 5000 $((sect / 8 - 1))"
for b in $blocks; do
  dd if=/dev/urandom of="/dev/mapper/$NAME" bs=4096 count=1 seek="$b" oflag=direct status=none
done
check "checkpoint message" dm message "$NAME" 0 checkpoint
check_eq "checkpoint moves to era 2" 2 "$(era_of)"
for b in 12 13 777; do
  dd if=/dev/urandom of="/dev/mapper/$NAME" bs=4096 count=1 seek="$b" oflag=direct status=none
done
check "take_metadata_snap" dm message "$NAME" 0 take_metadata_snap
check_eq "taking a snapshot moves to era 3" 3 "$(era_of)"
snap=$(snap_of)
check_output_contains "status shows the snapshot block" '^[0-9]+$' echo "$snap"
check_fails "a second take_metadata_snap is refused" dm message "$NAME" 0 take_metadata_snap
dd if=/dev/urandom of="/dev/mapper/$NAME" bs=4096 count=1 seek=9999 oflag=direct status=none

step "metadata reads"
sleep 1
copy_direct "$R" /tmp/dir1
dd if="$R" of=/tmp/buf1 bs=1M count=4 status=none
check_differ_bytes "O_DIRECT copies of $R see the kernel's metadata writes" /tmp/dir0 /tmp/dir1
if cmp -s /tmp/buf0 /tmp/buf1; then
  echo "note: buffered copies of $R stayed stale across eras (as observed before)"
else
  echo "note: buffered copies of $R changed this time"
fi
L1=$(as_loop /tmp/dir1)
check "0.9 era_dump accepts an O_DIRECT copy of live metadata" era_dump "$L1"
check_fails "0.9 era_invalidate refuses the live metadata device (opened exclusively)" \
  era_invalidate --written-since 1 "$R"
check "drop_metadata_snap" dm message "$NAME" 0 drop_metadata_snap
check_fails "drop_metadata_snap with none held is refused" dm message "$NAME" 0 drop_metadata_snap
e=$(era_of)
check "suspend" dm suspend "$NAME"
check "resume" dm resume "$NAME"
check_eq "suspend+resume adds an era" $((e + 1)) "$(era_of)"

step "offline metadata vs what was written"
check "suspend before reading the metadata offline" dm suspend "$NAME"
copy_direct "$R" /tmp/susp.bin
L2=$(as_loop /tmp/susp.bin)
want=$(printf '%s\n' $blocks 13 777 9999 | sort -n | uniq | tr '\n' ' ')
got=$(era_invalidate --written-since 1 "$L2" | xml_blocks | tr '\n' ' ')
check_eq "0.9 era_invalidate --written-since 1 lists exactly the written blocks" "$want" "$got"
check "0.9 era_check accepts the suspended device's metadata" era_check "$L2"
check "remove" dm remove "$NAME"
dm mknodes   # without udev, remove leaves the node: mknodes drops nodes of missing devices
check_fails "device gone after remove" test -e "/dev/mapper/$NAME"
check "0.9 era_check accepts the metadata after remove" era_check "$R"

step "dm-flakey loads over the scratch disk"
check "create flakey" dm create smoke_flakey --table "0 $sect flakey $S 0 5 0"
check "remove flakey" dm remove smoke_flakey
