#!/usr/bin/env bash
# schelk's era tools on metadata the real kernel is writing. With a metadata snapshot held and
# dm-era still taking writes, `schelk era-invalidate --metadata-snapshot` must report exactly the
# blocks written before the snapshot, in eras >= N. Truths: (1) the blocks this script wrote, per
# era; (2) thin-provisioning-tools 0.9 run (without its broken --metadata-snapshot) on an O_DIRECT
# copy taken right after take_metadata_snap, when the live superblock still equals the snapshot.
# Offline (suspended) metadata: schelk's era-invalidate/era-dump/era-check against 0.9's.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
need_schelk

S=$SCRATCH R=$RAMDISK NAME=live_era
sect=$(blockdev --getsz "$S")
nblocks=$((sect / 8))
dd if=/dev/zero of="$R" bs=1M count=4 oflag=direct status=none
check "create era over $S (metadata $R)" dm create "$NAME" --table "0 $sect era $R $S 8" || exit 1
dm mknodes "$NAME"
D=/dev/mapper/$NAME
era_of() { dm status "$NAME" | awk '{print $6}'; }

# Block sets per era: random blocks (fixed seed), a run, the last block, and overlaps.
pick() { awk -v seed="$1" -v n="$2" -v max="$nblocks" 'BEGIN {srand(seed); for (i = 0; i < n; i++) print int(rand() * max)}'; }
write_blocks() { # FILE: write the listed blocks (sorted) with random data, O_DIRECT, one dd a run
  awk 'NR == 1 {s = $1; p = $1; next} $1 == p + 1 {p = $1; next} {print s, p - s + 1; s = $1; p = $1}
       END {if (NR) print s, p - s + 1}' "$1" |
  while read -r b n; do
    dd if=/dev/urandom of="$D" bs=4096 count="$n" seek="$b" oflag=direct status=none
  done
}
{ pick 1 25; seq 100 131; echo 0; } | sort -n | uniq >/tmp/e1     # era 1
{ pick 2 25; seq 120 140; echo $((nblocks - 1)); } | sort -n | uniq >/tmp/e2   # era 2
{ pick 3 25; head -n 5 /tmp/e1; } | sort -n | uniq >/tmp/e3       # era 3, rewrites some of era 1
{ pick 4 20; echo 7; echo 8; } | sort -n | uniq >/tmp/e4           # after the snapshot
union() { cat "$@" | sort -n | uniq | tr '\n' ' '; }

step "era 1..3 writes ($(cat /tmp/e1 /tmp/e2 /tmp/e3 | wc -l) blocks), then take_metadata_snap"
write_blocks /tmp/e1; dm message "$NAME" 0 checkpoint
write_blocks /tmp/e2; dm message "$NAME" 0 checkpoint
write_blocks /tmp/e3
check "take_metadata_snap" dm message "$NAME" 0 take_metadata_snap
check_eq "era after two checkpoints and a snapshot" 4 "$(era_of)"
# The snapshot commit is on disk now and nothing has been written since: 0.9 on this copy
# (live superblock) computes what a correct --metadata-snapshot reader must report later.
copy_direct "$R" /tmp/at_snap.bin
L_SNAP=$(as_loop /tmp/at_snap.bin)

step "writes after the snapshot ($(wc -l </tmp/e4) blocks), device stays live"
write_blocks /tmp/e4
dm message "$NAME" 0 checkpoint   # era 5: the live metadata moves on past the snapshot
sleep 2                           # let the kernel digest/commit

for n in 1 2 3 4 5; do
  case $n in
    1) want=$(union /tmp/e1 /tmp/e2 /tmp/e3) ;;
    2) want=$(union /tmp/e2 /tmp/e3) ;;
    3) want=$(union /tmp/e3) ;;
    *) want= ;;
  esac
  got=$("$SCHELK" era-invalidate --metadata-snapshot --written-since "$n" "$R" 2>/tmp/err)
  rc=$?
  if [ $rc != 0 ]; then
    fail "schelk era-invalidate --metadata-snapshot --written-since $n on live $R (exit $rc: $(head -c 300 /tmp/err))"
    continue
  fi
  check_eq "snapshot, written-since $n: schelk = blocks written before the snapshot" \
    "$want" "$(printf '%s\n' "$got" | xml_blocks | tr '\n' ' ')"
  ref=$(era_invalidate --written-since "$n" "$L_SNAP")
  check_eq "snapshot, written-since $n: schelk = 0.9 on the copy taken at the snapshot" \
    "$(printf '%s\n' "$ref" | xml_blocks | tr '\n' ' ')" "$(printf '%s\n' "$got" | xml_blocks | tr '\n' ' ')"
  check_eq "snapshot, written-since $n: output bytes equal 0.9's" "$ref" "$got"
done
# The copy must really differ from the live metadata now, or the test proves little.
copy_direct "$R" /tmp/live_now.bin
check_differ_bytes "live metadata moved on after the snapshot" /tmp/at_snap.bin /tmp/live_now.bin

check "drop_metadata_snap" dm message "$NAME" 0 drop_metadata_snap
check_fails "schelk era-invalidate --metadata-snapshot without a held snapshot fails" \
  "$SCHELK" era-invalidate --metadata-snapshot --written-since 1 "$R"

step "offline: suspended device's metadata"
check "suspend" dm suspend "$NAME"
copy_direct "$R" /tmp/susp.bin
L=$(as_loop /tmp/susp.bin)
for n in 1 3 4 5 6; do
  case $n in
    1) want=$(union /tmp/e1 /tmp/e2 /tmp/e3 /tmp/e4) ;;
    3) want=$(union /tmp/e3 /tmp/e4) ;;
    4) want=$(union /tmp/e4) ;;
    *) want= ;;
  esac
  ref=$(era_invalidate --written-since "$n" "$L")
  check_eq "offline, written-since $n: 0.9 = blocks written (sanity of the truth)" \
    "$want" "$(printf '%s\n' "$ref" | xml_blocks | tr '\n' ' ')"
  check_eq "offline, written-since $n: schelk output equals 0.9's" \
    "$ref" "$("$SCHELK" era-invalidate --written-since "$n" "$L" 2>&1)"
done
era_dump "$L" >/tmp/dump09.xml
check "schelk era-dump runs on the kernel's metadata" sh -c "'$SCHELK' era-dump '$L' >/tmp/dump_s.xml"
check "schelk era-dump output equals 0.9 era_dump's" cmp /tmp/dump09.xml /tmp/dump_s.xml
check "0.9 era_check accepts the kernel's metadata" era_check "$L"
check "schelk era-check accepts the kernel's metadata" "$SCHELK" era-check "$L"
check "schelk era-check accepts the metadata file too" "$SCHELK" era-check /tmp/susp.bin
check "resume" dm resume "$NAME"
check "remove" dm remove "$NAME"
dm mknodes
