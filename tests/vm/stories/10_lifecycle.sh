#!/usr/bin/env bash
# schelk stories 0, 1 and 13: prerequisites, init-new -> mount -> write -> recover -> the files
# are gone and scratch is byte-identical to virgin; recover with nothing mounted exits 0. Then
# every command again with --json (issue 10 item 5): the objects parsed and their fields checked.
# No dmsetup/era_invalidate/mount binaries in PATH for schelk.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
need_schelk

# schelk runs with a PATH holding only mkfs.ext4 (and the shell utilities), never dmsetup.
bin=/tmp/schelk-bin; mkdir -p $bin
ln -sf "$(command -v mkfs.ext4)" $bin/mkfs.ext4
ln -sf "$SCHELK" $bin/schelk
sk() { env PATH=$bin "$SCHELK" --state-path /tmp/st/state.json "$@"; }
MP=/tmp/schelk-mp

check "story 0: no dmsetup in schelk's PATH" test ! -e $bin/dmsetup
check_output_contains "story 0: version" '^schelk [0-9]+\.[0-9]+\.[0-9]+' sk -V
check_output_contains "status before init" 'schelk is not initialized' sk status
check_output_contains "recover before init fails with the init hint" \
  "has not been initialized" sk recover

step "init-new"
check "init-new -y" sk -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
check_same_bytes "init-new: scratch equals virgin" "$VIRGIN" "$SCRATCH"
check_output_contains "state file has schelk's fields" '"dm_era_name": "bench_era"' cat /tmp/st/state.json

step "mount"
check "mount" sk mount
check_output_contains "mounted at $MP" "/dev/mapper/bench_era $MP ext4" cat /proc/mounts
check "/dev/mapper/bench_era exists" test -b /dev/mapper/bench_era
check_output_contains "status: mounted, device active" 'dm-era device: active' sk status
check_output_contains "discards are off on the era device" 'Discards: off' sk status
check_fails "mount twice fails" sk mount

step "write"
dd if=/dev/urandom of=$MP/file1 bs=1M count=8 status=none
mkdir -p $MP/dir && echo hello >$MP/dir/hello
sync
check_differ_bytes "scratch differs from virgin after writes" "$VIRGIN" "$SCRATCH"

step "recover"
check_output_contains "recover restores blocks" 'Blocks restored' sk recover
check "unmounted" sh -c "! grep -q \" $MP \" /proc/mounts"
check "dm device removed" test ! -e /dev/mapper/bench_era
check_same_bytes "recover: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
check_output_contains "status: not mounted" 'Mounted: no \(state\)' sk status

step "story 13: recover with nothing mounted"
check_output_contains "recover no-op message" 'Volume is not mounted. Nothing to recover.' sk recover
check "recover no-op exits 0" sk recover

step "mount again: the files are gone"
check "mount again" sk mount
check "file1 is gone" test ! -e $MP/file1
check "dir is gone" test ! -e $MP/dir
check_output_contains "recover with nothing written" 'Nothing to recover|Blocks restored' sk recover
check_same_bytes "scratch byte-identical after an idle cycle" "$VIRGIN" "$SCRATCH"

# --json: each command's one object on stdout, parsed, its fields checked against what the story
# did (blocks copied = what era-invalidate lists for the same era of the same metadata).
J=/tmp/schelk-json; mkdir -p $J
PY=/usr/bin/python3
# jcheck MSG FILE EXPR: FILE is exactly one line, a JSON object `d` (schema 1) for which the Python
# EXPR is true; `names` are its step names, inorder(names, [...]) tests a subsequence.
jcheck() {
  local msg=$1 file=$2 expr=$3 out
  if out=$($PY - "$file" "$expr" 2>&1 <<'PY'
import json, sys
text = open(sys.argv[1]).read()
assert text.count("\n") == 1 and text.endswith("\n"), "not one line: %r" % text[:300]
d = json.loads(text)
assert d["schema"] == 1 and isinstance(d["steps"], list) and d["repairs"] == [], text
names = [s["name"] for s in d["steps"]]
assert all(isinstance(s["ms"], (int, float)) and s["ms"] >= 0 for s in d["steps"]), text
def inorder(have, want):
    it = iter(have)
    return all(w in it for w in want)
assert eval(sys.argv[2], {"d": d, "names": names, "inorder": inorder}), \
    "false: %s\n%s" % (sys.argv[2], text)
PY
  ); then pass "$msg"; else fail "$msg"; printf '%s\n' "$out" | _indent; fi
}
# skj NAME ARGS...: schelk ARGS --json, stdout to $J/NAME.json, stderr to $J/NAME.err; $rc.
skj() { local n=$1; shift; sk "$@" --json >$J/$n.json 2>$J/$n.err; rc=$?; }
SIZE=$(blockdev --getsize64 "$SCRATCH")

step "--json: full-recover, status"
skj full -y full-recover --force  # a clean pair copies nothing without it
check_eq "full-recover --json exits 0" 0 "$rc"
jcheck "full-recover: ok, full path, the whole volume" $J/full.json \
  "d['command'] == 'full-recover' and d['outcome'] == 'ok' and d['path'] == 'full' and \
   d['bytes_copied'] == $SIZE and d['blocks_copied'] == $SIZE // 4096 and \
   inorder(names, ['lock', 'check', 'copy', 'save state'])"
check_output_contains "full-recover --json: the text is on stderr" 'Full recovery complete' cat $J/full.err
# One output convention: each phase with its own size, time and MiB/s; --progress always gives
# plain progress lines (stderr is not a terminal here); the JSON has each phase.
skj fullv -y --progress always full-recover --force --verify
jcheck "full-recover --verify --json: copy and verify phases" $J/fullv.json \
  "d['copy']['bytes'] == $SIZE and d['verify']['bytes'] == $SIZE and \
   d['copy']['mib_per_s'] >= 0 and d['verify']['ms'] >= 0"
check_output_contains "full-recover --verify: both phases with size, time and rate" \
  '^Full recovery complete: [0-9.]+ (MiB|GiB) copied in ([0-9]+m )?[0-9.]+(ms|s) \([0-9.]+ MiB/s\); [0-9.]+ (MiB|GiB) verified in ([0-9]+m )?[0-9.]+(ms|s) \([0-9.]+ MiB/s\)\.$' \
  cat $J/fullv.err
check_output_contains "--progress always: plain progress lines on stderr" \
  '^  Verifying: [0-9.]+ (MiB|GiB) / [0-9.]+ (MiB|GiB) \(100\.0%\)  [0-9.]+ MiB/s  in [0-9]+:[0-9]{2}$' \
  cat $J/fullv.err
check_fails "no carriage return in the plain lines" grep -q $'\r' $J/fullv.err
skj status status
jcheck "status --json: old fields, schema, consistent" $J/status.json \
  "d['command'] == 'status' and d['initialized'] and d['state_mounted'] is False and \
   d['consistent'] and d['condition'] == 'consistent' and d['saved_written_set'] is None"
check "status --check: consistent exits 0" sk status --check

step "--json: mount, write, recover (against era-invalidate)"
skj mount mount
check_eq "mount --json exits 0" 0 "$rc"
jcheck "mount: ok, nothing copied, its steps in order" $J/mount.json \
  "d['outcome'] == 'ok' and d['path'] == 'none' and d['blocks_copied'] == 0 and \
   inorder(names, ['lock', 'check', 'clear metadata', 'create device', 'checkpoint', \
                   'discards off', 'save state', 'mount'])"
check_output_contains "mounted after mount --json" "/dev/mapper/bench_era $MP ext4" cat /proc/mounts
skj mount2 mount
check_eq "mount --json twice: exit 1" 1 "$rc"
jcheck "mount --json twice: an error object" $J/mount2.json \
  "d['outcome'] == 'error' and d['error'] == 'Volume is already mounted.'"
dd if=/dev/urandom of=$MP/jfile bs=1M count=3 status=none; sync
# Unmount here, so nothing writes between era-invalidate's read and schelk's.
umount $MP
era=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["current_era"])' /tmp/st/state.json)
dm message bench_era 0 take_metadata_snap
"$SCHELK" era-invalidate --metadata-snapshot --written-since "$era" "$RAMDISK" >$J/inval.xml
dm message bench_era 0 drop_metadata_snap
expected=$($PY - $J/inval.xml <<'PY'
import sys, xml.etree.ElementTree as ET
n = 0
for e in ET.parse(sys.argv[1]).getroot():
    n += int(e.get("end")) - int(e.get("begin")) if e.tag == "range" else 1
print(n)
PY
)
check "era-invalidate listed written blocks ($expected)" test "$expected" -gt 0
skj recover recover
check_eq "recover --json exits 0" 0 "$rc"
jcheck "recover: blocks copied = era-invalidate's ($expected)" $J/recover.json \
  "d['outcome'] == 'ok' and d['path'] == 'incremental' and d['blocks_copied'] == $expected and \
   d['bytes_copied'] == $expected * 4096 and d['block_size'] == 4096 and 'unmount' not in names \
   and inorder(names, ['lock', 'snapshot', 'read written set', 'save written set', \
                       'drop snapshot', 'remove device', 'copy', 'save state'])"
check_output_contains "recover --json: Blocks restored on stderr" "Blocks restored: $expected\$" \
  cat $J/recover.err
check_same_bytes "recover --json: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
skj recover2 recover
jcheck "recover with nothing mounted: nothing_to_do" $J/recover2.json \
  "d['outcome'] == 'nothing_to_do' and d['path'] == 'none' and d['blocks_copied'] == 0"

step "--json: restore, promote"
skj restore restore
jcheck "restore of an unmounted volume: mounts, copies nothing" $J/restore.json \
  "d['outcome'] == 'ok' and d['path'] == 'none' and inorder(names, ['create device', 'mount'])"
echo restored >$MP/r1; sync
skj restore2 restore
check_eq "restore --json exits 0" 0 "$rc"
restored=$(sed -n 's/^  Blocks restored: //p' $J/restore2.err)
jcheck "restore: incremental, blocks as its text says ($restored), then mounted" $J/restore2.json \
  "d['path'] == 'incremental' and d['blocks_copied'] == int('${restored:-0}') > 0 and \
   inorder(names, ['snapshot', 'remove device', 'copy', 'save state', 'create device', 'mount'])"
check "restore: mounted again" grep -q " $MP " /proc/mounts
dd if=/dev/urandom of=$MP/pfile bs=1M count=1 status=none; sync
skj promote -y promote
check_eq "promote --json exits 0" 0 "$rc"
promoted=$(sed -n 's/^  Blocks promoted: //p' $J/promote.err)
jcheck "promote: incremental, blocks as its text says ($promoted), virgin re-hashed" \
  $J/promote.json "d['path'] == 'incremental' and d['blocks_copied'] == int('${promoted:-0}') > 0 \
   and inorder(names, ['unmount', 'snapshot', 'copy', 'hash superblock', 'save state'])"
check_same_bytes "promote --json: virgin byte-identical to scratch" "$VIRGIN" "$SCRATCH"

step "--json: init-from, init-new; the human Steps line; stdout write errors"
skj initfrom -y init-from --no-copy --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
jcheck "init-from --no-copy: nothing copied" $J/initfrom.json \
  "d['command'] == 'init-from' and d['outcome'] == 'ok' and d['path'] == 'none' and \
   d['blocks_copied'] == 0 and 'copy' not in names"
skj initnew -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
jcheck "init-new: mkfs, then the whole volume copied" $J/initnew.json \
  "d['outcome'] == 'ok' and d['path'] == 'full' and d['bytes_copied'] == $SIZE and \
   inorder(names, ['check', 'mkfs', 'copy', 'save state'])"
check_same_bytes "init-new --json: scratch equals virgin" "$VIRGIN" "$SCRATCH"
check_output_contains "mount prints its step timings" '^Steps: lock [0-9.]+(ms|s), check ' sk mount
check_output_contains "recover prints its step timings" \
  '^Steps: lock .*, remove device [0-9.]+(ms|s), ' sk recover
check_fails "status > /dev/full fails" sh -c "env PATH=$bin $SCHELK --state-path /tmp/st/state.json status >/dev/full"
check_output_contains "status > /dev/full says why" 'cannot write to standard output' \
  sh -c "env PATH=$bin $SCHELK --state-path /tmp/st/state.json status >/dev/full"
