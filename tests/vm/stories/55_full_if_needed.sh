#!/usr/bin/env bash
# Issue 10 item 4: `schelk restore -y --kill --full-if-needed` from every state, on the real
# kernel: clean and unmounted (only mounts), mounted with writes (incremental), a simulated reboot
# while mounted (era device removed by hand, ramdisk wiped: full copy), scratch written outside
# schelk while unmounted (full copy); full-recover of a clean pair copies nothing unless --force.
# Virgin and scratch are byte-compared after each.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

SIZE=$(blockdev --getsize64 "$SCRATCH")
# pipeline NAME: the one-liner (restore -y --kill --full-if-needed) through skj.
pipeline() { skj "$1" restore -y --kill --full-if-needed; }
is_mounted() { grep -q " $MP " /proc/mounts; }

check "init-new" sk_init
check_output_contains "init records scratch as clean" '"scratch_clean": true' cat "$SK_STATE"
check_same_bytes "after init: identical" "$VIRGIN" "$SCRATCH"

step "clean and unmounted: the pipeline only mounts"
pipeline clean
check_eq "pipeline exits 0" 0 "$rc"
check_output_contains "says scratch is clean" 'Scratch is clean: nothing to recover' cat $J/clean.err
json_check "JSON: path none, reason clean, nothing copied" $J/clean.json \
  "d['command'] == 'restore' and d['outcome'] == 'ok' and d['path'] == 'none' and \
   d['reason'] == 'clean' and d['bytes_copied'] == 0"
check "mounted" is_mounted
check_output_contains "mount clears scratch_clean" '"is_mounted": true' cat "$SK_STATE"
check_fails "no scratch_clean while mounted" grep -q scratch_clean "$SK_STATE"

step "mounted with writes: incremental"
dd if=/dev/urandom of=$MP/junk bs=1M count=3 status=none; sync
pipeline incr
check_eq "pipeline exits 0" 0 "$rc"
check_output_contains "says tracking is intact" 'Tracking is intact' cat $J/incr.err
json_check "JSON: path incremental, reason tracked, a few blocks" $J/incr.json \
  "d['path'] == 'incremental' and d['reason'] == 'tracked' and 0 < d['bytes_copied'] < $SIZE"
check "mounted" is_mounted
check "recover (plain)" sk recover
check_same_bytes "after the incremental pipeline: identical" "$VIRGIN" "$SCRATCH"
check_output_contains "recover records scratch as clean" '"scratch_clean": true' cat "$SK_STATE"

step "rebooted while mounted: full copy"
check "mount" sk mount
echo lost >$MP/lost; sync
# The reboot: the mount, the era device and the ramdisk's contents are gone; the state is not.
umount $MP && dm remove bench_era && dmsetup mknodes
dd if=/dev/zero of="$RAMDISK" bs=64k count=$(($(blockdev --getsize64 "$RAMDISK") / 65536)) \
  status=none
check_output_contains "state still says mounted" '"is_mounted": true' cat "$SK_STATE"
check_output_contains "recover without the flag demands full-recover (unchanged)" \
  "Run 'schelk full-recover'" sk recover
pipeline reboot
check_eq "pipeline exits 0" 0 "$rc"
check_output_contains "says tracking was lost" \
  'Tracking was lost \(rebooted while mounted\): copying all of virgin to scratch \(--full-if-needed\)' \
  cat $J/reboot.err
json_check "JSON: path full, reason tracking_lost, the whole volume" $J/reboot.json \
  "d['outcome'] == 'ok' and d['path'] == 'full' and d['reason'] == 'tracking_lost' and \
   d['bytes_copied'] == $SIZE"
check "mounted" is_mounted
check "recover (plain)" sk recover
check_same_bytes "after the reboot pipeline: identical" "$VIRGIN" "$SCRATCH"

step "scratch written outside schelk while unmounted: full copy"
dd if=/dev/urandom of="$SCRATCH" bs=1M count=1 seek=30 conv=notrunc,fsync status=none
check_differ_bytes "scratch changed" "$VIRGIN" "$SCRATCH"
check_output_contains "restore without the flag refuses at mount (unchanged)" \
  'changed outside schelk' sk restore -y --kill
pipeline outside
check_eq "pipeline exits 0" 0 "$rc"
check_output_contains "says scratch was changed outside schelk" \
  'Scratch was changed outside schelk.*copying all of virgin to scratch' cat $J/outside.err
json_check "JSON: path full, reason untracked_writes, the whole volume" $J/outside.json \
  "d['path'] == 'full' and d['reason'] == 'untracked_writes' and d['bytes_copied'] == $SIZE"
check "mounted" is_mounted
check "recover (plain)" sk recover
check_same_bytes "after the untracked-writes pipeline: identical" "$VIRGIN" "$SCRATCH"

step "full-recover of a clean pair copies nothing unless --force"
sk -y full-recover --json >$J/fr.json 2>$J/fr.err; rc=$?
check_eq "full-recover exits 0" 0 "$rc"
check_output_contains "says nothing to copy" 'already equal to virgin.*--force' cat $J/fr.err
json_check "JSON: nothing_to_do, path none, nothing copied" $J/fr.json \
  "d['outcome'] == 'nothing_to_do' and d['path'] == 'none' and d['bytes_copied'] == 0"
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
sk -y full-recover --force --json >$J/force.json 2>$J/force.err; rc=$?
check_eq "full-recover --force exits 0" 0 "$rc"
json_check "JSON: --force copies the whole volume" $J/force.json \
  "d['outcome'] == 'ok' and d['path'] == 'full' and d['bytes_copied'] == $SIZE"
check_same_bytes "after --force: identical" "$VIRGIN" "$SCRATCH"
check "mount works after all this" sk mount
check "recover" sk recover
check_same_bytes "final: identical" "$VIRGIN" "$SCRATCH"
