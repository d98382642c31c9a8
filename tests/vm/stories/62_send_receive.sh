#!/usr/bin/env bash
# Issue 12 on the real kernel: a baseline travels from pair A (the emulated NVMe disks, brd) to
# pair B (loop devices over files on the guest's tmpfs, its own state file, metadata device and
# dm-era name): `send --full | receive` makes B, two more promotes on A reach B as incremental
# streams; B's virgin equals A's after each; a stream for the wrong generation is refused without
# touching B and one B already holds is a no-op. Then B lives on its own (mount, write, recover).
# Whole volumes are compared: a full stream carries only the blocks ext4 uses, so both pairs start
# zeroed (A's disks are fresh sparse files, B's fresh tmpfs files) and nothing is deleted on A
# before the full send; what a later delete frees keeps the same bytes on both sides.
# vm: --disk-mib 128 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

# Pair B: tmpfs is RAM-backed, so a loop device over a file there is an accepted metadata device.
BDIR=/dev/shm/pair-b
mkdir -p $BDIR
truncate -s "$(blockdev --getsize64 "$VIRGIN")" $BDIR/virgin.img $BDIR/scratch.img
truncate -s 64M $BDIR/ram.img
BV=$(as_loop $BDIR/virgin.img)
BS=$(as_loop $BDIR/scratch.img)
BR=$(as_loop $BDIR/ram.img)
check "pair B: three loop devices" test -b "$BV" -a -b "$BS" -a -b "$BR"
SKB_STATE=/tmp/stB/state.json
MPB=/tmp/schelk-mpB
mkdir -p "$MPB"
skb() { env PATH=$SK_BIN "$SCHELK" --state-path "$SKB_STATE" "$@"; }
skbj() {
  local name=$1
  shift
  skb "$@" --json >"$J/$name.json" 2>"$J/$name.err" && rc=0 || rc=$?
}
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

# same_baseline TAG: B's status names A's baseline id and generation; both virgins are equal, and
# B's scratch equals its virgin (receive writes both).
same_baseline() {
  local tag=$1 label=${1/gen/gen }
  skj "a_$tag" status
  skbj "b_$tag" status
  check_eq "[$label] B has A's baseline id" "$(jget $J/a_$tag.json baseline_id)" \
    "$(jget $J/b_$tag.json baseline_id)"
  check_eq "[$label] B is at A's generation ($2)" "$2 $2" \
    "$(jget $J/a_$tag.json generation) $(jget $J/b_$tag.json generation)"
  check_same_bytes "[$label] B's virgin equals A's" "$VIRGIN" "$BV"
  check_same_bytes "[$label] B's scratch equals B's virgin" "$BV" "$BS"
}

# ship TAG FROM: `schelk send --from-generation FROM` on A piped into `receive --verify -y` on B.
ship() {
  local tag=$1 label=${1/gen/gen } from=$2 st
  sk send --from-generation "$from" 2>$J/send_$tag.err |
    skb -y receive --verify --json >$J/recv_$tag.json 2>$J/recv_$tag.err
  st="${PIPESTATUS[*]}"
  if check_eq "[$label] send --from-generation $from | receive: both exit 0" "0 0" "$st"; then :; else
    _indent <$J/send_$tag.err; _indent <$J/recv_$tag.err
  fi
}

# refuse_stale: with A at generation 3 and B at 2, a stream from generation 1 is refused before
# anything is written: B's generation, virgin and scratch unchanged. Virgin is compared with a
# copy taken before (on tmpfs; sha256 of it took 40 s under TCG, a copy and cmp a few).
refuse_stale() {
  step "a stream for the wrong generation is refused; B is untouched"
  sync; echo 3 >/proc/sys/vm/drop_caches
  dd if="$BV" of=$BDIR/virgin.before bs=1M iflag=direct status=none
  check "send --from-generation 1 (B is at 2)" sk send --from-generation 1 -o /tmp/stale.schelk
  check_output_contains "receive refuses it, naming the generations" \
    'starts at generation 1, this pair is at generation 2' skb -y receive -i /tmp/stale.schelk
  check_fails "and exits non-zero" skb -y receive -i /tmp/stale.schelk
  skbj b_after_refusal status
  check_eq "B stays at generation 2" 2 "$(jget $J/b_after_refusal.json generation)"
  check "and no receive log is left" test ! -e "$SKB_STATE.receive"
  check_same_bytes "B's virgin unchanged (against its copy from before)" $BDIR/virgin.before "$BV"
  check_same_bytes "B's scratch still equals its virgin" "$BV" "$BS"
  rm -f $BDIR/virgin.before
}

# A's files, their sums kept to read them back on B.
manifest() { (cd "$MP" && find . -type f ! -path './lost+found/*' | sort | xargs sha256sum); }

step "pair A: init, files, promote (generation 1)"
check "init-new A" sk_init
skj gen0 status
json_check "A starts at generation 0" $J/gen0.json "d['generation'] == 0 and len(d['baseline_id']) == 36"
check "mount A" sk mount
dd if=/dev/urandom of=$MP/big bs=1M count=6 status=none
mkdir -p $MP/tree
for i in $(seq 1 40); do head -c $((i * 1000)) /dev/urandom >$MP/tree/f$i; done
dd if=/dev/urandom of=$MP/gone bs=1M count=2 status=none
sync
check "promote A (generation 1)" sk -y promote

step "send --full | receive: pair B made from the stream"
sk send --full 2>$J/send_full.err |
  skb -y receive --virgin "$BV" --scratch "$BS" --ramdisk "$BR" --mount-point "$MPB" \
    --dm-era-name b_era --verify --json >$J/recv_full.json 2>$J/recv_full.err
st="${PIPESTATUS[*]}"
check_eq "send --full | receive: both exit 0" "0 0" "$st" || {
  _indent <$J/send_full.err; _indent <$J/recv_full.err; }
check_output_contains "send said what it sent" 'Sent the whole baseline' cat $J/send_full.err
same_baseline full 1
check "B's state names its own devices" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["virgin"] == sys.argv[2] and d["scratch"] == sys.argv[3], d' \
  "$SKB_STATE" "$BV" "$BS"

for g in 2 3; do
  step "A: write, modify, delete, promote (generation $g); shipped to B"
  check "[gen $g] mount A" sk mount
  case $g in
    2) dd if=/dev/urandom of=$MP/big bs=4k count=3 seek=100 conv=notrunc status=none
       rm -f $MP/gone
       for i in $(seq 41 60); do head -c $((i * 300)) /dev/urandom >$MP/tree/f$i; done ;;
    3) rm -f $MP/tree/f1 $MP/tree/f2 $MP/tree/f3
       dd if=/dev/urandom of=$MP/new3 bs=1M count=3 status=none
       dd if=/dev/urandom of=$MP/big bs=4k count=1 seek=1000 conv=notrunc status=none
       echo "generation $g" >>$MP/tree/f10 ;;
  esac
  sync
  manifest >/tmp/manifest.$g
  check "[gen $g] promote A" sk -y promote
  check_differ_bytes "[gen $g] A's virgin moved on from B's" "$VIRGIN" "$BV"
  [ $g = 3 ] && refuse_stale
  ship gen$g $((g - 1))
  json_check "[gen $g] receive reports the generations it moved B between" $J/recv_gen$g.json \
    "d.get('from_generation') == $((g - 1)) and d.get('to_generation') == $g"
  same_baseline gen$g $g
done

step "the gen 3 stream again: already applied, a no-op"
check "send --from-generation 2 again" sk send --from-generation 2 -o /tmp/again.schelk
skbj again -y receive -i /tmp/again.schelk
check_eq "receive exits 0" 0 "$rc"
json_check "and does nothing" $J/again.json "d['outcome'] == 'nothing_to_do'"
check_same_bytes "B's virgin still equals A's" "$VIRGIN" "$BV"

step "pair B lives on its own: mount, files read back, write, recover"
check "mount B" skb mount
check "B shows A's files (generation 3)" sh -c "cd $MPB && sha256sum --quiet -c /tmp/manifest.3"
check "the files A deleted are gone on B" sh -c "! ls $MPB/gone $MPB/tree/f1 2>/dev/null"
check "B's era device is its own" dmsetup --noudevsync status b_era
dd if=/dev/urandom of=$MPB/only-on-b bs=1M count=2 status=none
dd if=/dev/urandom of=$MPB/big bs=4k count=4 seek=10 conv=notrunc status=none
sync
check_differ_bytes "B's scratch changed" "$BV" "$BS"
skbj b_recover recover --verify
check_eq "recover B exits 0" 0 "$rc" || _indent <$J/b_recover.err
check_same_bytes "B's scratch equals its virgin again" "$BV" "$BS"
check_same_bytes "and B's virgin is still A's" "$VIRGIN" "$BV"
check "mount B again" skb mount
check "A's files read back on B" sh -c "cd $MPB && sha256sum --quiet -c /tmp/manifest.3"
check "B's own file is gone" test ! -e $MPB/only-on-b
check "recover B" skb recover
losetup -d "$BV" "$BS" "$BR" 2>/dev/null
