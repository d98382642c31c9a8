#!/usr/bin/env bash
# schelk story 14 and --kill: O_EXCL refusal when scratch is mounted outside schelk (and success
# after unmounting); recover on a busy mount point lists the blockers, --kill kills them (never
# schelk itself, even when its own cwd is inside the mount point).
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/schelk_story.sh"
need_schelk

check "init-new" sk_init
step "story 14: scratch mounted outside schelk"
mkdir -p /tmp/ext && mount -o ro "$SCRATCH" /tmp/ext
check_output_contains "full-recover refuses: device in use" 'in use|busy|Busy' sk -y full-recover
umount /tmp/ext
check "full-recover after unmount" sk -y full-recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

step "busy mount point"
check "mount" sk mount
sleep 300 </dev/null >$MP/held &
blocker=$!
(cd $MP && exec sleep 300) &
blocker2=$!
sleep 0.5
check_output_contains "recover lists the blockers" "PID=$blocker" sk recover
check_output_contains "recover without --kill says busy" 'target is busy' sk recover
check "blockers still alive" kill -0 $blocker $blocker2
check_output_contains "state still mounted" '"is_mounted": true' cat "$SK_STATE"
# schelk's own cwd is inside the mount point: it must step out, not kill itself.
out=$(cd $MP && env PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE" recover --kill 2>&1) && rc=0 || rc=$?
check_eq "recover --kill from inside the mount point exits 0" 0 "$rc"
printf '%s\n' "$out" | grep -q "Killing PID=$blocker" && pass "--kill killed the fd holder" ||
  fail "--kill did not report killing $blocker"
wait $blocker 2>/dev/null; wait $blocker2 2>/dev/null
check "blockers are gone" sh -c "! kill -0 $blocker 2>/dev/null && ! kill -0 $blocker2 2>/dev/null"
check_same_bytes "identical after --kill" "$VIRGIN" "$SCRATCH"
