#!/usr/bin/env bash
# schelk stories 6, 7 and 12: promote (then recover keeps the promoted data), full-recover after
# scratch is corrupted with dd, full-recover on a stale "mounted" state after a simulated reboot
# and its refusal while the dm device is live. Byte-compare after each.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/schelk_story.sh"
need_schelk

check "init-new" sk_init

step "story 6: promote"
check "mount" sk mount
dd if=/dev/urandom of=$MP/promoted bs=1M count=5 status=none; sync
sum=$(md5sum <$MP/promoted)
check_output_contains "promote without -y asks and stops on no" 'Operation cancelled by user' \
  sh -c "echo n | env PATH=$SK_BIN $SCHELK --state-path $SK_STATE promote"
check "still mounted after the refusal" grep -q " $MP " /proc/mounts
check_output_contains "promote -y" 'Blocks promoted' sk -y promote
check_same_bytes "promote: virgin byte-identical to scratch" "$VIRGIN" "$SCRATCH"
check_output_contains "promote when not mounted is an error" 'Volume is not mounted' sk -y promote
check_fails "promote when not mounted exits 1" sk -y promote
check "mount the new baseline" sk mount
check_eq "promoted file is in the baseline" "$sum" "$(md5sum <$MP/promoted)"
rm $MP/promoted; echo junk >$MP/junk; sync
check "recover" sk recover
check_same_bytes "recover back to the promoted baseline" "$VIRGIN" "$SCRATCH"
check "mount" sk mount
check_eq "recover kept the promoted data" "$sum" "$(md5sum <$MP/promoted)"
check "recover" sk recover

step "story 7: full-recover after corrupting scratch"
dd if=/dev/urandom of="$SCRATCH" bs=1M count=2 seek=20 conv=notrunc status=none
dd if=/dev/urandom of="$SCRATCH" bs=4k count=1 conv=notrunc status=none
check_differ_bytes "scratch corrupted" "$VIRGIN" "$SCRATCH"
check_output_contains "mount refuses the corrupted scratch" 'does not match virgin' sk mount
check_output_contains "full-recover without -y cancels on EOF" 'Operation cancelled' \
  sh -c "env PATH=$SK_BIN $SCHELK --state-path $SK_STATE full-recover </dev/null"
check "full-recover -y" sk -y full-recover
check_same_bytes "full-recover: identical" "$VIRGIN" "$SCRATCH"

step "story 12: stale mounted state (reboot) and a live device"
check "mount" sk mount
echo x >$MP/x; sync
check_output_contains "full-recover refuses while the dm device is live" \
  'Volume is already mounted' sk -y full-recover
# Simulate a reboot: unmount and tear the device down behind schelk's back.
umount $MP && dmsetup --noudevsync remove bench_era && dmsetup mknodes
check_output_contains "status: device MISSING" 'MISSING \(state inconsistent, possible crash\)' sk status
check_output_contains "recover demands full-recover" "Run 'schelk full-recover'" sk recover
check_fails "recover exits 1" sk recover
check_output_contains "promote says remount" "Run 'schelk mount'" sk -y promote
check_output_contains "mount says already mounted" 'Volume is already mounted' sk mount
check_output_contains "full-recover clears the stale state" 'Clearing stale mounted state' \
  sk -y full-recover
check_same_bytes "identical after stale full-recover" "$VIRGIN" "$SCRATCH"
check_output_contains "state not mounted" '"is_mounted": false' cat "$SK_STATE"
check "mount works again" sk mount
check "recover" sk recover
check_same_bytes "final identical" "$VIRGIN" "$SCRATCH"
