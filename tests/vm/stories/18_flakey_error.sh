#!/usr/bin/env bash
# A device error during recover (virgin behind dm-flakey, switched to failing all I/O): recover
# fails cleanly naming the range, keeps the saved written set, and a rerun once the device
# works again resumes and ends byte-identical. dmsetup is used by this test only.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/schelk_story.sh"
need_schelk

sect=$(blockdev --getsz "$VIRGIN")
good="0 $sect linear $VIRGIN 0"
bad="0 $sect flakey $VIRGIN 0 0 3600"   # up 0 s, down 3600 s: every I/O fails
check "flakey virgin (working)" dm create fv --table "$good"
dm mknodes fv
FV=/dev/mapper/fv
check "init-new on the flakey virgin" sk -y init-new --virgin $FV --scratch "$SCRATCH" \
  --ramdisk "$RAMDISK" --mount-point "$MP"
check "mount" sk mount
dd if=/dev/urandom of=$MP/f bs=1M count=4 status=none; sync

step "virgin fails every I/O during recover"
dm suspend fv && dm load fv --table "$bad" && dm resume fv
out=$(sk recover 2>&1) && rc=0 || rc=$?
check_eq "recover fails (exit 1)" 1 "$rc"
printf '%s\n' "$out" | grep -Eiq 'error|fail' && printf '%s\n' "$out" | grep -Eq '[0-9]+' &&
  pass "the error is reported" || fail "no error reported"
printf '%s\n' "$out" | tail -3 | _indent
printf '%s\n' "$out" | grep -Eq "$FV|nvme" && pass "the error names the device" ||
  fail "the error does not name the device"
check "the written set is kept for a resume" test -s "$SK_STATE.written"
check_output_contains "state still says mounted" '"is_mounted": true' cat "$SK_STATE"
check_output_contains "status shows the saved written set" 'Saved written set' sk status

step "device works again: resume"
dm suspend fv && dm load fv --table "$good" && dm resume fv
check_output_contains "recover resumes" 'Resuming an interrupted recover' sk recover
check_same_bytes "identical after the resume" $FV "$SCRATCH"
check "mount" sk mount
check "recover" sk recover
check_same_bytes "identical" $FV "$SCRATCH"
