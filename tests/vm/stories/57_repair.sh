#!/usr/bin/env bash
# Issue 10 item 3: `schelk repair` and the safe repairs mount/recover/restore/full-recover make
# first, on the real kernel: an orphaned era device (removed; --dry-run changes nothing), one held
# open (never removed), a device with schelk's name but another table (never touched), a mount of
# the era device schelk did not record (unmounted, then a full copy), a reboot while mounted
# (recorded; mount and recover say what to do), a leftover metadata snapshot (dropped), a
# filesystem unmounted by hand (remounted), recover and promote killed mid-way (pending: only
# the command finishes them). Every case's JSON is parsed; virgin and scratch are byte-compared.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

SECTORS=$(blockdev --getsz "$SCRATCH")
# era_by_hand: an era device over scratch with metadata on the ramdisk, made without schelk.
era_by_hand() {
  dd if=/dev/zero of="$RAMDISK" bs=4k count=1 oflag=direct status=none
  dm create bench_era --table "0 $SECTORS era $RAMDISK $SCRATCH 8" && dmsetup mknodes
}
status_check() { sk status --check >/dev/null 2>&1 && echo 0 || echo $?; }
device_exists() { dmsetup info bench_era >/dev/null 2>&1; }

check "init-new" sk_init
check_same_bytes "after init: identical" "$VIRGIN" "$SCRATCH"

step "a busy device: the error says what holds it (issue 10 item 7)"
mkdir -p /tmp/v57 && mount -o ro "$SCRATCH" /tmp/v57
check_output_contains "mount names the mount holding scratch" \
  "What holds it: mounted at /tmp/v57" sk mount
check_output_contains "copy names the mount holding its destination" \
  "What holds it: mounted at /tmp/v57" "$SCHELK" copy -y --from "$VIRGIN" --to "$SCRATCH"
umount /tmp/v57
check_same_bytes "nothing written" "$VIRGIN" "$SCRATCH"

step "an orphaned era device: --dry-run, then repair"
check "era device made by hand" era_by_hand
check_eq "status --check: inconsistent" 4 "$(status_check)"
skj dry repair --dry-run
check_eq "repair --dry-run exits 0" 0 "$rc"
json_check "dry run: plans the removal, makes none" $J/dry.json \
  "d['dry_run'] and d['planned'][0]['name'] == 'remove_orphaned_era_device' and d['repairs'] == []"
check "dry run left the device" device_exists
skj orphan -y repair
check_eq "repair exits 0" 0 "$rc"
json_check "repair removed it" $J/orphan.json \
  "d['outcome'] == 'ok' and [r['name'] for r in d['repairs']] == ['remove_orphaned_era_device']"
check_fails "device gone" device_exists
check_eq "status --check: consistent" 0 "$(status_check)"
check_same_bytes "nothing written" "$VIRGIN" "$SCRATCH"

step "held open: never removed"
check "era device made by hand" era_by_hand
exec 7</dev/mapper/bench_era
skj held -y repair
check_eq "repair exits 1" 1 "$rc"
json_check "problem era_device_held_open" $J/held.json \
  "d['outcome'] == 'error' and d['problems'][0]['name'] == 'era_device_held_open' and \
   'fuser' in d['error']"
check "device still there" device_exists
check_output_contains "mount refuses the same way" 'schelk will not remove it' sk mount
exec 7<&-
check "repair once it is closed" sk -y repair
check_fails "device gone" device_exists

step "a device with schelk's name but another table: never touched"
RAM_SECTORS=$(blockdev --getsz "$RAMDISK")
check "a linear device named bench_era over the ramdisk" \
  dm create bench_era --table "0 $RAM_SECTORS linear $RAMDISK 0"
dmsetup mknodes
skj foreign -y repair
check_eq "repair exits 1" 1 "$rc"
json_check "problem foreign_era_device naming its table" $J/foreign.json \
  "d['problems'][0]['name'] == 'foreign_era_device' and '0 $RAM_SECTORS linear' in d['error']"
check_output_contains "mount refuses" "already exists but is not schelk's" sk mount
check "device still there" device_exists
dm remove bench_era

step "a mount of the era device schelk did not record"
check "era device made by hand" era_by_hand
mkdir -p $MP && mount /dev/mapper/bench_era $MP
dd if=/dev/urandom of=$MP/unrecorded bs=1M count=2 status=none; sync
skj unknown mount
check_eq "mount exits 1" 1 "$rc"
json_check "mount repaired first, then refused: full recovery needed" $J/unknown.json \
  "[r['name'] for r in d['repairs']] == ['unmount_unknown_mount', 'remove_orphaned_era_device'] \
   and d['error'].startswith('Scratch was written through a mount schelk did not record')"
check_fails "unmounted" mountpoint -q $MP
check_fails "device gone" device_exists
check_eq "status --check: needs a full recovery" 6 "$(status_check)"
check_output_contains "state says why" '"needs_full_recover": "unknown_mount"' cat "$SK_STATE"
skj unknown_pipeline restore -y --kill --full-if-needed
check_eq "the pipeline exits 0" 0 "$rc"
json_check "the pipeline copied everything" $J/unknown_pipeline.json \
  "d['path'] == 'full' and d['reason'] == 'unknown_mount'"
check "recover" sk recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

step "a reboot while mounted"
check "mount" sk mount
echo lost >$MP/lost; sync
umount $MP && dm remove bench_era && dmsetup mknodes
check_eq "status --check: inconsistent" 4 "$(status_check)"
check_output_contains "recover keeps schelk's message" 'likely a host reboot or power loss' \
  sk recover
check_output_contains "mount says what to do" "likely a reboot. Run 'schelk repair'" sk mount
skj reboot -y repair
check_eq "repair exits 0" 0 "$rc"
json_check "repair recorded the lost tracking" $J/reboot.json \
  "[r['name'] for r in d['repairs']] == ['clear_stale_mounted_state'] and \
   d['needs_full_recover'] == 'tracking_lost'"
check_eq "status --check: needs a full recovery" 6 "$(status_check)"
check_output_contains "mount refuses: full recovery needed" "Run 'schelk full-recover'" sk mount
check "full-recover" sk -y full-recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
check_eq "status --check: consistent" 0 "$(status_check)"

step "a leftover metadata snapshot"
check "mount" sk mount
dd if=/dev/urandom of=$MP/snap bs=1M count=1 status=none; sync
dm message bench_era 0 take_metadata_snap
check_output_contains "status shows it" 'metadata snapshot held' sk status
skj snap -y repair
json_check "repair dropped it" $J/snap.json \
  "[r['name'] for r in d['repairs']] == ['drop_leftover_snapshot']"
check_output_contains "no snapshot now" ' - *$' dmsetup status bench_era
check "recover" sk recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

step "recover killed holding the snapshot: the rerun drops it first"
check "mount" sk mount
dd if=/dev/urandom of=$MP/k bs=1M count=1 status=none; sync
kill_at_stop after-take-snap "recover" /tmp/k57.log recover
skj snap_rerun -y recover
check_eq "rerun exits 0" 0 "$rc"
json_check "the rerun's repair dropped the snapshot" $J/snap_rerun.json \
  "'drop_leftover_snapshot' in [r['name'] for r in d['repairs']] and d['path'] == 'incremental'"
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

step "a filesystem unmounted by hand while tracked: remounted"
check "mount" sk mount
umount $MP
skj remount -y repair
json_check "repair remounted it" $J/remount.json \
  "[r['name'] for r in d['repairs']] == ['remount']"
check "mounted again" mountpoint -q $MP
check_eq "status --check: consistent" 0 "$(status_check)"
check "recover" sk recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

for op in recover promote; do
  step "$op killed after the device was removed: pending, repair copies nothing"
  check "mount" sk mount
  dd if=/dev/urandom of=$MP/p-$op bs=1M count=1 status=none; sync
  kill_at_stop after-remove "$op" /tmp/k57-$op.log -y $op
  skj pending-$op -y repair
  check_eq "repair exits 3" 3 "$rc"
  json_check "pending $op, no repair" $J/pending-$op.json \
    "d['pending'] == '$op' and d['repairs'] == []"
  check_eq "status --check: interrupted" 3 "$(status_check)"
  check "$op finishes it" sk -y $op
  check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
done

step "nothing left to repair"
skj final -y repair
json_check "nothing to do" $J/final.json "d['outcome'] == 'nothing_to_do' and d['repairs'] == []"
