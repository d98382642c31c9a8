#!/usr/bin/env bash
# Issue 11 items 1-2 on the real kernel: `schelk mark` starts phases (each a new dm-era era,
# recorded in the state); every recover leaves a history record with its phases, its report and
# its written set; the retention bound holds over many runs.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

era_now() { dmsetup status bench_era | awk '{print $6}'; }

check "init-new" sk_init
check "mount" sk mount
e0=$(era_now)
skj mark_setup mark setup
check_eq "mark exits 0" 0 "$rc"
check_eq "mark rolled the era device to the next era" $((e0 + 1)) "$(era_now)"
json_check "mark reports the era" $J/mark_setup.json "d['era'] == $((e0 + 1)) and d['label'] == 'setup'"
dd if=/dev/urandom of=$MP/a bs=1M count=2 status=none; sync
check "mark load" sk mark load
check_output_contains "a label is used once per mount" 'already used in this mount' sk mark load
dd if=/dev/urandom of=$MP/b bs=1M count=1 status=none; sync
skj status status
json_check "status lists the phases" $J/status.json \
  "[p['label'] for p in d['phases']] == ['setup', 'load'] and d['phases'][1]['era'] == $((e0 + 2))"
skj live written --by-phase
check_eq "written (live, while mounted) exits 0" 0 "$rc"
json_check "written --by-phase: a share for the mount and each phase" $J/live.json \
  "d['source'] == 'live' and [p['label'] for p in d['phases']] == ['(mount)', 'setup', 'load'] and \
   d['phases'][1]['bytes'] >= 2 << 20 and d['phases'][2]['bytes'] >= 1 << 20 and \
   sum(p['blocks'] for p in d['phases']) == d['blocks']"
skj picture written --by-phase --picture /tmp/written.png
json_check "written --picture: the JSON names the picture and its size" $J/picture.json \
  "d['picture']['path'] == '/tmp/written.png' and d['picture']['width'] > 1000"
# The PNG's own header (signature, IHDR width and height) against what schelk reported.
check "the picture is a PNG of the reported size" /usr/bin/python3 -c '
import json, struct, sys
b = open("/tmp/written.png", "rb").read(24)
d = json.load(open(sys.argv[1]))["picture"]
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", b
assert struct.unpack(">II", b[16:24]) == (d["width"], d["height"]), (b[16:24], d)
' $J/picture.json
sk written --since load --ranges >/tmp/since.ranges
sk written --ranges >/tmp/live.ranges
# ranges_within A B: every block of the ranges file A is in the ranges file B.
ranges_within() {
  python3 -c '
import sys
def blocks(p):
    out = set()
    for line in open(p):
        b, e = map(int, line.split()); out.update(range(b, e))
    return out
a, b = blocks(sys.argv[1]), blocks(sys.argv[2])
sys.exit(not (a and a <= b))' "$1" "$2"
}
check "written --since load: a part of the writes since mount" ranges_within /tmp/since.ranges /tmp/live.ranges
check_fails "and not all of them (the setup phase wrote before it)" ranges_within /tmp/live.ranges /tmp/since.ranges
check "still mounted and tracking" mountpoint -q $MP
skj recover recover
check_eq "recover exits 0" 0 "$rc"
skj past written --run last
json_check "written --run last: the blocks recover copied" $J/past.json \
  "d['blocks'] == $(python3 -c 'import json;print(json.load(open("'$J/recover.json'"))["blocks_copied"])')"
sk written --run last --ranges >/tmp/past.ranges
# The unmount in recover writes a little more (journal, superblock): live is within the past set.
check "the live ranges lie within the past run's" ranges_within /tmp/live.ranges /tmp/past.ranges
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
skj history history
json_check "history: the recover with its phases and bytes" $J/history.json \
  "len(d['runs']) == 1 and d['runs'][0]['command'] == 'recover' and \
   [p['label'] for p in d['runs'][0]['report']['phases']] == ['setup', 'load'] and \
   d['runs'][0]['report']['bytes_copied'] >= 3 << 20 and d['runs'][0]['written_ranges'] > 0"
check "the written set is kept" ls /tmp/st/history/*.written.zst
check_output_contains "history lists it for people" 'recover +ok +incremental' sk history

step "retention: at most 3 runs over 5 cycles"
check "keep 3 runs" sk history --keep-runs 3
for i in 1 2 3 4 5; do
  sk mount >/dev/null && echo $i >$MP/c$i && sync && sk recover >/dev/null || fail "cycle $i"
done
skj kept history
json_check "3 runs kept, the newest" $J/kept.json "len(d['runs']) == 3"
check_eq "3 records on disk" 3 "$(ls /tmp/st/history/*.json | wc -l)"
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"

step "overhead: fio through dm-linear and dm-era, the region copied back (TCG numbers mean nothing)"
check_output_contains "without fio in PATH: says how to get it" 'apt-get install fio' \
  sk -y overhead --runtime 1
ln -sf "$(command -v fio)" "$SK_BIN/fio"
skj overhead -y overhead --size $((16 << 20)) --runtime 1 --repeats 1
check_eq "overhead exits 0" 0 "$rc"
json_check "overhead reports both targets and their ratio" $J/overhead.json \
  "d['linear']['iops'] > 0 and d['era']['iops'] > 0 and d['ratio']['throughput'] > 0 and \
   d['workload']['region_bytes'] == 16 << 20 and d['pair_clean'] is True and \
   d['bytes_copied'] == 16 << 20"
check "no overhead device is left" sh -c '! ls /dev/mapper | grep -q overhead'
check_same_bytes "the region is copied back: identical" "$VIRGIN" "$SCRATCH"
check "the pair stays clean: mount trusts it" sk mount
check "and recover" sk recover
check_same_bytes "identical after the cycle" "$VIRGIN" "$SCRATCH"

step "the past run's ranges feed schelk copy --blocks"
sk written --run last --ranges >/tmp/last.ranges
"$SCHELK" copy -y --from "$VIRGIN" --to "$SCRATCH" --blocks /tmp/last.ranges --block-size 4096 \
  --json >$J/copy.json 2>/dev/null
json_check "schelk copy --blocks takes them: the bytes the last recover copied" $J/copy.json \
  "d['bytes'] == $(sk history --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["runs"][-1]["report"]["bytes_copied"])')"
check_same_bytes "still identical" "$VIRGIN" "$SCRATCH"

step "send and receive --dry-run on the real devices (issue 12)"
skj status_gen status
json_check "status shows the baseline id and generation 0" $J/status_gen.json \
  "len(d['baseline_id']) == 36 and d['generation'] == 0"
skj send_full send --full -o /tmp/full.schelk
# ext4 on a 256 MiB volume with a few MiB of files: the blocks it uses, far less than all.
json_check "send --full carries the blocks ext4 uses, not all of virgin" $J/send_full.json \
  "d['blocks_carried'] == 'used' and 0 < d['data_bytes'] < $(blockdev --getsize64 "$VIRGIN") // 2 \
   and d['to_generation'] == 0"
skj check_full receive --dry-run -i /tmp/full.schelk
# A full stream makes a new pair: it applies (replacing this one, after asking), not already applied.
json_check "receive --dry-run: intact, whole, would make a new pair" $J/check_full.json \
  "d['full'] and d['data_bytes'] == $(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["data_bytes"])' $J/send_full.json) \
   and d['applies'] and not d['already_applied']"
sk send --from-generation 0 | sk receive --dry-run --json >$J/pipe.json
json_check "send | receive --dry-run: an empty delta that applies" $J/pipe.json \
  "d['extents'] == 0 and d['applies']"
head -c $(( $(stat -c %s /tmp/full.schelk) - 100 )) /tmp/full.schelk >/tmp/cut.schelk
check_output_contains "a cut stream is refused, naming the byte" 'stream byte' \
  sk receive --dry-run -i /tmp/cut.schelk
