#!/usr/bin/env bash
# schelk receive of full streams on real block devices (loop devices over files; receive needs
# no device-mapper), as root: the new pair's filesystem equals the sender's (e2image -ra of both,
# an independent reader of the used blocks, compared byte for byte; e2fsck; a file read back with
# debugfs); damaged and cut streams refused with virgin's sha256 unchanged; a kill -9 at each stop
# point of a full receive, then a rerun that ends consistent; stdin without -y refused.
# Incremental streams need promotes (dm-era): unit tests (fakes) and VM story 62 cover those.
# Usage: tests/src/receive_loop_test.sh SCHELK_BINARY
set -u
binary=${1:?usage: receive_loop_test.sh SCHELK_BINARY}
. "$(dirname "${BASH_SOURCE[0]}")/../support/check.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL receive_loop_test.sh needs root (loop devices)"
  exit 1
fi
for tool in losetup mkfs.ext4 e2image e2fsck debugfs sha256sum; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed"; exit 1; }
done
work=$(mktemp -d /tmp/schelk-receive-test-XXXXXX)
ram=$(mktemp -d /dev/shm/schelk-receive-test-XXXXXX)
loops=()
cleanup() {
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$work" "$ram"
}
trap cleanup EXIT
attach() {  # attach FILE: a new loop device over FILE, its path in $dev
  dev=$(losetup -f --show "$1") || { echo "FAIL losetup $1"; exit 1; }
  loops+=("$dev")
}
size=$((64 << 20))
for n in av as bv bs; do truncate -s $size "$work/$n.img"; done
head -c $size /dev/urandom >"$work/bv.img"  # the receiver's volumes hold garbage first
head -c $size /dev/urandom >"$work/bs.img"
truncate -s $((8 << 20)) "$ram/ra" "$ram/rb"
mkfs.ext4 -q -F "$work/av.img"
head -c $((5 << 20)) /dev/urandom >"$work/payload"
debugfs -w -R "write $work/payload payload" "$work/av.img" >/dev/null 2>&1
attach "$work/av.img"; AV=$dev
attach "$work/as.img"; AS=$dev
attach "$work/bv.img"; BV=$dev
attach "$work/bs.img"; BS=$dev
attach "$ram/ra"; RA=$dev
attach "$ram/rb"; RB=$dev
mkdir -p "$work/ma" "$work/mb"
A=(--state-path "$work/a.json")
B=(--state-path "$work/b.json")
b_receive=("$binary" "${B[@]}" -y receive --virgin "$BV" --scratch "$BS" --ramdisk "$RB"
  --mount-point "$work/mb")

"$binary" "${A[@]}" -y init-from --virgin "$AV" --scratch "$AS" --ramdisk "$RA" \
  --mount-point "$work/ma" >"$work/init.out" 2>&1
check "sender pair initialised on loop devices" test $? -eq 0
"$binary" "${A[@]}" send --full -o "$work/full.schelk" --json >"$work/send.json" 2>"$work/send.err"
check "send --full of an ext4 volume carries the used blocks only" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["blocks_carried"] == "used" and 0 < j["data_bytes"] < (32 << 20), j
' "$work/send.json"

cat "$work/full.schelk" | "$binary" "${B[@]}" receive --virgin "$BV" --scratch "$BS" \
  --ramdisk "$RB" --mount-point "$work/mb" >"$work/nostdin.out" 2>&1
rc=$?
check "receive from stdin without -y is refused (it cannot ask)" \
  sh -c "[ $rc -ne 0 ] && grep -q 'give -y' '$work/nostdin.out'"
check "nothing was initialised" test ! -e "$work/b.json"

cat "$work/full.schelk" | "${b_receive[@]}" --verify >"$work/recv.out" 2>&1
check "receive -y of the full stream from stdin makes the pair" test $? -eq 0
same_fs() {  # same_fs DEV1 DEV2: e2image -ra of both (the used blocks) byte-identical
  e2image -ra "$1" "$work/x1.raw" 2>/dev/null && e2image -ra "$2" "$work/x2.raw" 2>/dev/null &&
    cmp -s "$work/x1.raw" "$work/x2.raw"
  local r=$?
  rm -f "$work/x1.raw" "$work/x2.raw"
  return $r
}
check "B's virgin holds A's filesystem (e2image -ra, byte for byte)" same_fs "$AV" "$BV"
check "B's scratch holds it too" same_fs "$BV" "$BS"
check "e2fsck finds B's virgin clean" sh -c "e2fsck -fn '$BV' >/dev/null 2>&1"
debugfs -R "cat payload" "$BV" 2>/dev/null >"$work/payload.back"
check "the file reads back from B's virgin (debugfs)" cmp -s "$work/payload" "$work/payload.back"
"$binary" "${A[@]}" status --json >"$work/a.status"
"$binary" "${B[@]}" status --json >"$work/b.status"
check "B has A's baseline id and generation, and is consistent" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["baseline_id"] == a["baseline_id"] and b["generation"] == a["generation"], (a, b)
assert b["condition"] == "consistent" and b["scratch_clean_at"], b
' "$work/a.status" "$work/b.status"

# Damage: each refused, naming the stream byte, with B's virgin unchanged.
virgin_hash=$(sha256sum <"$BV")
total=$(stat -c %s "$work/full.schelk")
for at in 3 60 140 $((total / 2)) $((total - 30)) $((total - 5)); do
  cp "$work/full.schelk" "$work/bad.schelk"
  printf '\xff' | dd of="$work/bad.schelk" bs=1 seek="$at" conv=notrunc status=none
  "${b_receive[@]}" -i "$work/bad.schelk" >"$work/bad.out" 2>&1
  rc=$?
  check "a flipped byte at $at is refused" sh -c "[ $rc -ne 0 ] && grep -q 'stream byte\|superblock' '$work/bad.out'"
  check "  and B's virgin is unchanged" test "$(sha256sum <"$BV")" = "$virgin_hash"
done
for cut in 10 128 $((total / 3)) $((total - 1)); do
  head -c "$cut" "$work/full.schelk" >"$work/cut.schelk"
  "${b_receive[@]}" -i "$work/cut.schelk" >"$work/cut.out" 2>&1
  rc=$?
  check "a stream cut at byte $cut is refused" sh -c "[ $rc -ne 0 ] && grep -q 'stream byte' '$work/cut.out'"
  check "  and B's virgin is unchanged" test "$(sha256sum <"$BV")" = "$virgin_hash"
done
"$binary" "${B[@]}" status --json >"$work/b.status"
check "the old pair is marked: its scratch was overwritten" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["needs_full_recover"] == "scratch_overwritten"
' "$work/b.status"

# kill -9 at each stop point of a full receive, then the rerun.
for point in receive-full-after-scratch receive-full-after-copy; do
  SCHELK_TEST_STOP_AT=$point "${b_receive[@]}" -i "$work/full.schelk" >"$work/kill.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ "$(ps -o state= -p $pid 2>/dev/null | tr -d ' ')" = T ] && break
    sleep 0.1
  done
  check "receive stopped at $point" test "$(ps -o state= -p $pid | tr -d ' ')" = T
  kill -9 $pid
  wait $pid 2>/dev/null
  "${b_receive[@]}" -i "$work/full.schelk" >"$work/rerun.out" 2>&1
  check "  the rerun after kill -9 succeeds" test $? -eq 0
  check "  and B holds A's filesystem" same_fs "$AV" "$BV"
done
"$binary" "${B[@]}" status --json --check >/dev/null
check "B is consistent at the end (status --check exits 0)" test $? -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
