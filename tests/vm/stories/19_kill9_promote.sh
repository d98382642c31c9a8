#!/usr/bin/env bash
# Crash safety of promote: kill -9 at each phase (after unmount, with the metadata snapshot held,
# after the written set is saved, after the snapshot is dropped, after the dm device is removed,
# in the middle of the copy onto virgin, after the copy, after the state save). A rerun of
# promote must exit 0 with virgin byte-identical to scratch, resume from the saved written set
# once the dm device is gone, and leave nothing behind; the promoted data must be the baseline of
# the next mount/recover cycle. SIGTERM stops promote at a safe point, resumably.
# vm: --disk-mib 128 --ram-mib 16
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

sk_init_baseline

n=0
for point in $STOP_POINTS; do
  n=$((n + 1))
  step "kill -9 at $point"
  check "[$point] mount" sk mount || continue
  write_pattern $n
  # Several separate extents (so mid-copy has two halves) and one file to find again later.
  for i in 0 1 2 3; do
    dd if=/dev/urandom of=$MP/spread$n.$i bs=4k count=16 status=none
  done
  dd if=/dev/urandom of=$MP/mark$n bs=64k count=8 status=none; sync
  mark=$(md5sum <$MP/mark$n)
  check_differ_bytes "[$point] virgin differs from scratch before promote" "$VIRGIN" "$SCRATCH"
  kill_at_stop $point promote /tmp/pro1.log -y promote
  case $point in
    mid-copy) check_differ_bytes "[$point] virgin only partly overwritten at the kill" \
                "$VIRGIN" "$SCRATCH" ;;
    after-copy) check_output_contains "[$point] state still mounted at the kill" \
                  '"is_mounted": true' cat "$SK_STATE" ;;
    after-save) check_output_contains "[$point] state saved unmounted at the kill" \
                  '"is_mounted": false' cat "$SK_STATE"
                check "[$point] the saved written set is left behind" test -e "$SK_STATE.written" ;;
  esac
  sk -y promote >/tmp/pro2.log 2>&1 && rc=0 || rc=$?
  check_eq "[$point] second promote exits 0" 0 "$rc" || _indent </tmp/pro2.log
  case $point in
    after-unmount)
      check_output_contains "[$point] the unmount is not repeated" \
        'not actually mounted, skipping unmount' cat /tmp/pro2.log ;;
    after-take-snap|after-journal)
      check_output_contains "[$point] the held snapshot was dropped and the set re-read" \
        'Dropping a metadata snapshot' cat /tmp/pro2.log ;;
    after-drop)
      check_output_contains "[$point] the set was re-read from the live device" \
        'Reading blocks written since era' cat /tmp/pro2.log ;;
    after-remove|mid-copy|after-copy)
      check_output_contains "[$point] resumed from the saved written set" \
        'Resuming an interrupted promote' cat /tmp/pro2.log ;;
    after-save)
      check_output_contains "[$point] nothing left to do" 'Nothing to promote' cat /tmp/pro2.log ;;
  esac
  [ $point != after-save ] &&
    check_output_contains "[$point] blocks promoted" 'Blocks promoted: [1-9]' cat /tmp/pro2.log
  check "[$point] no saved written set left" test ! -e "$SK_STATE.written"
  check "[$point] dm device gone" test ! -e /dev/mapper/bench_era
  check_output_contains "[$point] state not mounted" '"is_mounted": false' cat "$SK_STATE"
  check_same_bytes "[$point] virgin byte-identical to scratch" "$VIRGIN" "$SCRATCH"

  # The promoted data is the new baseline: mount, change it, recover back to it.
  check "[$point] mount after promote" sk mount || continue
  check_eq "[$point] promoted file in the baseline" "$mark" "$(md5sum <$MP/mark$n)"
  rm -f $MP/mark$n; dd if=/dev/urandom of=$MP/junk bs=64k count=4 status=none; sync
  check_differ_bytes "[$point] scratch changed after the promote" "$VIRGIN" "$SCRATCH"
  check "[$point] recover" sk recover
  check_same_bytes "[$point] recover back to the promoted virgin" "$VIRGIN" "$SCRATCH"
done

step "SIGTERM stops promote at a safe point; a second signal is refused; the rerun finishes"
check "mount" sk mount
write_pattern 4
sk_bg SCHELK_TEST_STOP_AT=after-take-snap -y promote >/tmp/pro3.log 2>&1
if wait_stopped $pid; then
  kill -TERM $pid; kill -INT $pid; kill -CONT $pid
  wait $pid && rc=0 || rc=$?
  check "promote ends with 130 or 143 after the written set is saved" test $rc -eq 130 -o $rc -eq 143
  check_output_contains "refusal message" \
    'Refusing to handle signal. Interrupting this operation can corrupt your volumes' \
    cat /tmp/pro3.log
  check_output_contains "how to finish" "Run 'schelk promote' again to finish" cat /tmp/pro3.log
else
  kill -9 $pid 2>/dev/null; fail "promote did not stop at after-take-snap"
fi
check "the rerun finishes" sk -y promote
check "no saved written set after the signals" test ! -e "$SK_STATE.written"
check_same_bytes "virgin byte-identical after the signals" "$VIRGIN" "$SCRATCH"
