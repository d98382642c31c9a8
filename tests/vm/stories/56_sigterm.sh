#!/usr/bin/env bash
# SIGTERM/SIGINT at each phase of recover on the real kernel. Before the point of no return (the
# lock wait, the [y/N] prompt) the command ends at once with nothing changed (exit 143/130, still
# mounted); inside it (after the written set is saved, mid-copy) it stops at the next safe point
# with the written set saved and says to run recover again; a second signal is refused. Each
# phase is followed by `schelk -y recover`, which must leave scratch byte-identical to virgin.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

LOCK=$(dirname "$SK_STATE")/schelk.lock
UNCHANGED='Interrupted before anything was changed.'
RESUMABLE="blocks copied; the written set is saved. Run 'schelk recover' again to finish."

# rerun_recover LABEL: recover -y finishes and scratch equals virgin.
rerun_recover() {
  sk -y recover >/tmp/rerun.log 2>&1 && rc=0 || rc=$?
  check_eq "[$1] rerun of recover exits 0" 0 "$rc" || _indent </tmp/rerun.log
  check "[$1] no saved written set left" test ! -e "$SK_STATE.written"
  check "[$1] dm device gone" test ! -e /dev/mapper/bench_era
  check_same_bytes "[$1] scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
}

# still_mounted LABEL: nothing was changed by the interrupted command.
still_mounted() {
  check "[$1] still mounted" mountpoint -q "$MP"
  check "[$1] dm device still there" test -e /dev/mapper/bench_era
  check "[$1] no saved written set" test ! -e "$SK_STATE.written"
}

sk_init_baseline

step "--lock-timeout nan / inf / -1 are usage errors"
for bad in nan inf -1; do
  sk mount --lock-timeout $bad >/tmp/lt.log 2>&1 && rc=0 || rc=$?
  check_eq "--lock-timeout $bad exits 2" 2 "$rc" || _indent </tmp/lt.log
done

step "SIGTERM during the lock wait"
check "[lock] mount" sk mount
write_pattern 1
exec 4>>"$LOCK"; flock 4  # held by this shell (a `flock ... sleep` child would outlive a kill)
sk_bg --lock-timeout 100 recover >/tmp/lock.log 2>&1
sleep 1
t0=$(date +%s)
kill -TERM $pid
wait $pid && rc=0 || rc=$?
check_eq "[lock] exit 143 on SIGTERM" 143 "$rc" || _indent </tmp/lock.log
check "[lock] ended within 3 s" test $(($(date +%s) - t0)) -le 3
check_output_contains "[lock] message" "$UNCHANGED" cat /tmp/lock.log
exec 4>&-
still_mounted lock
rerun_recover lock

step "SIGINT at the [y/N] prompt (promote)"
check "[prompt] mount" sk mount
write_pattern 2
rm -f /tmp/answer; mkfifo /tmp/answer
exec 3<>/tmp/answer  # a writer that never answers (opened first: a fifo's reader waits for one)
env PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE" promote </tmp/answer >/tmp/prompt.log 2>&1 &
pid=$!
for i in $(seq 1 100); do grep -q 'y/N' /tmp/prompt.log && break; sleep 0.1; done
check_output_contains "[prompt] asks" 'Permanently overwrite virgin volume\? \[y/N\]' cat /tmp/prompt.log
kill -INT $pid
wait $pid && rc=0 || rc=$?
exec 3>&-
check_eq "[prompt] exit 130 on SIGINT" 130 "$rc" || _indent </tmp/prompt.log
check_output_contains "[prompt] message" "$UNCHANGED" cat /tmp/prompt.log
still_mounted prompt
rerun_recover prompt

# Inside the critical part: stopped at a test point, signalled, continued.
for point in after-take-snap after-journal after-remove mid-copy; do
  step "SIGTERM at $point"
  check "[$point] mount" sk mount
  write_pattern 4
  dd if=/dev/urandom of=$MP/spread bs=4k count=256 status=none; sync
  sk_bg SCHELK_TEST_STOP_AT=$point --json recover >/tmp/crit.json 2>/tmp/crit.log
  if wait_stopped $pid; then
    kill -TERM $pid; kill -INT $pid; kill -CONT $pid
    wait $pid && rc=0 || rc=$?
    # Both are pending when it continues; the kernel hands over one first (SIGINT, the lower).
    check "[$point] exit 130 or 143 (the first signal handled)" test $rc -eq 130 -o $rc -eq 143 ||
      _indent </tmp/crit.log
    check_output_contains "[$point] how to finish" "Interrupted: [0-9]+ of [0-9]+ $RESUMABLE" \
      cat /tmp/crit.log
    check_output_contains "[$point] the second signal is refused" \
      'Refusing to handle signal. Interrupting this operation can corrupt your volumes' \
      cat /tmp/crit.log
    check_output_contains "[$point] --json outcome interrupted" '"outcome":"interrupted"' \
      cat /tmp/crit.json
    check "[$point] written set saved" test -e "$SK_STATE.written"
    check "[$point] dm device removed" test ! -e /dev/mapper/bench_era
    if [ $point = mid-copy ]; then
      check_output_contains "[$point] some blocks were copied" 'Interrupted: [1-9][0-9]* of' \
        cat /tmp/crit.log
    fi
  else
    kill -9 $pid 2>/dev/null; wait $pid; fail "[$point] recover never reached $point"
    _indent </tmp/crit.log
  fi
  rerun_recover $point
  check_output_contains "[$point] the rerun resumed" 'Resuming an interrupted recover' \
    cat /tmp/rerun.log
done
