#!/usr/bin/env bash
# Crash safety of recover: kill -9 at each phase (after unmount, with the metadata snapshot held,
# after the written set is saved, after the snapshot is dropped, after the dm device is removed,
# in the middle of the copy, after the copy, after the state save). A rerun of recover must end
# with scratch byte-identical to virgin, and after the dm device is gone it must resume from the
# saved written set (no full copy). SIGTERM stops recover at a safe point, resumably.
# vm: --disk-mib 256 --ram-mib 64
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
  dd if=/dev/urandom of=$MP/spread$n bs=4k count=64 status=none; sync
  check_differ_bytes "[$point] scratch differs before recover" "$VIRGIN" "$SCRATCH"
  kill_at_stop $point recover /tmp/rec1.log recover
  sk recover >/tmp/rec2.log 2>&1 && rc=0 || rc=$?
  check_eq "[$point] second recover exits 0" 0 "$rc" || _indent </tmp/rec2.log
  case $point in
    after-remove|mid-copy|after-copy)
      check_output_contains "[$point] resumed from the saved written set" \
        'Resuming an interrupted recover' cat /tmp/rec2.log ;;
    after-take-snap|after-journal)
      check_output_contains "[$point] the held snapshot was dropped and the set re-read" \
        'Repaired: dropped the metadata snapshot an interrupted run left' cat /tmp/rec2.log ;;
    after-save)
      check_output_contains "[$point] nothing left to do" 'Nothing to recover' cat /tmp/rec2.log ;;
  esac
  check "[$point] no saved written set left" test ! -e "$SK_STATE.written"
  check "[$point] dm device gone" test ! -e /dev/mapper/bench_era
  check_same_bytes "[$point] scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
done

step "SIGTERM stops recover at a safe point; a second signal is refused (more: 56_sigterm)"
check "mount" sk mount
write_pattern 4
sk_bg SCHELK_TEST_STOP_AT=after-take-snap recover >/tmp/rec3.log 2>&1
pid=$!
if wait_stopped $pid; then
  kill -TERM $pid; kill -INT $pid; kill -CONT $pid
  wait $pid && rc=0 || rc=$?
  check "recover ends with 130 or 143 after the written set is saved" test $rc -eq 130 -o $rc -eq 143
  check_output_contains "refusal message" 'Refusing to handle signal. Interrupting this operation can corrupt your volumes' cat /tmp/rec3.log
  check_output_contains "how to finish" "the written set is saved. Run 'schelk recover' again to finish" cat /tmp/rec3.log
else
  kill -9 $pid 2>/dev/null; fail "recover did not stop at after-take-snap"
fi
check "the rerun finishes" sk recover
check_same_bytes "scratch byte-identical after the signals" "$VIRGIN" "$SCRATCH"
