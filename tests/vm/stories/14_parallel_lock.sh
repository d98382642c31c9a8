#!/usr/bin/env bash
# schelk story 11: two instances in parallel (era_a/era_b, separate state directories) on halves
# of the disks (loop devices at offsets) with loop-device ramdisks; the lock: a second mutating
# command fails at once with EAGAIN, --lock-timeout waits for the holder.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

half=$((128 * 1024 * 1024))
VA=$(losetup -f --show --offset 0 --sizelimit $half "$VIRGIN")
VB=$(losetup -f --show --offset $half --sizelimit $half "$VIRGIN")
SA=$(losetup -f --show --offset 0 --sizelimit $half "$SCRATCH")
SB=$(losetup -f --show --offset $half --sizelimit $half "$SCRATCH")
# The ramdisk images live on tmpfs: schelk takes only a RAM-backed metadata device.
mkdir -p /tmp/rd && mount -t tmpfs -o size=32m tmpfs /tmp/rd
truncate -s 8M /tmp/rd/ra.img /tmp/rd/rb.img
RA=$(losetup -f --show /tmp/rd/ra.img)
RB=$(losetup -f --show /tmp/rd/rb.img)
ska() { env PATH=$SK_BIN "$SCHELK" --state-path /tmp/a/state.json "$@"; }
skb() { env PATH=$SK_BIN "$SCHELK" --state-path /tmp/b/state.json "$@"; }

check "init a" ska -y init-new --virgin $VA --scratch $SA --ramdisk $RA --mount-point /tmp/mpa \
  --dm-era-name era_a
check "init b" skb -y init-new --virgin $VB --scratch $SB --ramdisk $RB --mount-point /tmp/mpb \
  --dm-era-name era_b
check "mount a" ska mount
check "mount b" skb mount
check "both devices" test -b /dev/mapper/era_a -a -b /dev/mapper/era_b
dd if=/dev/urandom of=/tmp/mpa/fa bs=1M count=6 status=none &
dd if=/dev/urandom of=/tmp/mpb/fb bs=1M count=6 status=none &
wait; sync
ska recover >/tmp/ra.log 2>&1 & pa=$!
skb recover >/tmp/rb.log 2>&1 & pb=$!
wait $pa && ra=0 || ra=$?
wait $pb && rb=0 || rb=$?
check_eq "parallel recover a" 0 $ra
check_eq "parallel recover b" 0 $rb
check_same_bytes "a identical" $VA $SA
check_same_bytes "b identical" $VB $SB

step "lock contention"
check "mount a" ska mount
# hold_lock SECONDS: another process holds the lock; returns once it is really held.
hold_lock() {
  flock /tmp/a/schelk.lock sleep "$1" &
  holder=$!
  while flock -n /tmp/a/schelk.lock true; do sleep 0.1; done
}
hold_lock 8
check_output_contains "busy lock fails at once with EAGAIN" \
  'Another schelk process is already running \(flock on /tmp/a/schelk.lock\): EAGAIN' ska recover
check_output_contains "the state is untouched" '"is_mounted": true' cat /tmp/a/state.json
check "status needs no lock" ska status
check_output_contains "--lock-timeout waits for the holder" 'Blocks restored|Nothing to recover' \
  ska --lock-timeout 20 recover
wait $holder
check_same_bytes "a identical after the waited recover" $VA $SA
hold_lock 60
t0=$(date +%s)
check_fails "--lock-timeout 1 gives up" ska --lock-timeout 1 mount
check "... well before the holder lets go" test $(( $(date +%s) - t0 )) -lt 30
kill $holder; wait $holder 2>/dev/null || true
