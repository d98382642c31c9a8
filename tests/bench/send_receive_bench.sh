#!/usr/bin/env bash
# send/receive benchmark (not a test), issue 12. In one run, on loop devices (direct-io) over
# files as copy_bench.sh --loop makes them:
#   (a) a 1% scattered delta (copy_bench's generator: 64-block runs plus single blocks):
#       `schelk send --from-generation 0 | schelk receive` (zstd level 0 and 1) against
#       `schelk copy --blocks` of the same blocks twice (to B's scratch, then to B's virgin), the
#       floor of a receive, which writes scratch and then virgin;
#   (b) a full baseline of SIZE random bytes: `send --full | receive` (a new pair) against two
#       whole `schelk copy`s;
#   (c) send alone (into a pipe to cat; -o FILE would be a real file) against `schelk copy` of the
#       same blocks to a RAM-backed loop device, i.e. copy's read speed;
#   (d) zstd level 1 against 0 on random data (the baseline of (b)) and on compressible data (the
#       ext4 volume of (e)): stream bytes and send time;
#   (e) a half-full ext4 volume of SIZE (files from /usr): `send --full` (only the used blocks)
#       against `dd | zstd -1` and `e2image -ra` of the same volume (bytes shipped, time).
# Generations without dm-era (this host has none): the pairs are made with `init-from --no-copy`;
# generation 1 is made by hand as promote would leave it: the delta's blocks rewritten on A's
# virgin with random bytes, a history record `<ms>-promote.json` (outcome ok, baseline id,
# generation 1) with its written set (`.written.zst`: LEB128 gap/length pairs, zstd; see
# src/history/written_codec.hpp) and the state's generation set to 1. B is reset to generation 0
# (its state file) before each incremental receive; the stream's blocks are then written again.
# Wall clock of whole commands, best of N, runs interleaved; the page cache is dropped before
# every timed command (send reads through it; the others use O_DIRECT).
# usage: tests/bench/send_receive_bench.sh [--size GIB] [--repeats N] [--dir DIR]
# Needs root (loop devices, mount, drop_caches). Build first (build/schelk, build/tests/bench/copy_bench).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/bench_args.sh"
dir=/var/tmp/schelk-send-bench
shm=/dev/shm/schelk-send-bench
bench_parse_args "usage: $0 [--size GIB] [--repeats N] [--dir DIR]" 0 "$@"
bench_require_built "$schelk" "$gen"
for t in fio zstd e2image mkfs.ext4 losetup python3 bc; do
  command -v $t >/dev/null || { echo "$t not installed" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "needs root (loop devices, mount, drop_caches)" >&2; exit 1; }

size=$((size_gib << 30))
mkdir -p "$dir" "$shm"
mnt=$dir/fill
cleanup() {
  if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt"; fi
  # The loop devices over this run's files (made in command substitutions: found by file).
  local f l
  for f in "$dir"/*.img "$shm"/*.img; do
    for l in $(losetup -j "$f" -n -O NAME 2>/dev/null); do losetup -d "$l" || true; done
  done
  rm -rf "$dir" "$shm"
}
trap cleanup EXIT

now() { date +%s.%N; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
min() { if [[ -z $1 ]] || (( $(echo "$2 < $1" | bc -l) )); then echo "$2"; else echo "$1"; fi; }
ratio() { printf '%.3f' "$(echo "$1 / $2" | bc -l)"; }
# timed CMD...: wall-clock seconds of CMD (a shell string; stdout to $dir/last.out), caches dropped
# first. Every command of the pipe must succeed.
timed() {
  local t0 t1
  drop_caches
  t0=$(now)
  bash -o pipefail -c "$1" >"$dir/last.out" || { echo "failed: $1" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
json_num() { grep -o "\"$1\":[0-9.e+-]*" "$2" | head -1 | cut -d: -f2; }
loop_of() { losetup --find --show "$@"; }

echo "preparing ${size_gib} GiB files in $dir and RAM disks in $shm ..." >&2
for f in a_virgin b_virgin b_scratch; do
  fio --name=prep --filename="$dir/$f.img" --size="$size" --rw=write --bs=1M --iodepth=16 \
    --ioengine=io_uring --direct=1 --end_fsync=1 --refill_buffers --output=/dev/null
done
truncate -s "$size" "$dir/a_scratch.img" "$dir/c_scratch.img" "$shm/sink.img"
truncate -s 64M "$shm/a_ram.img" "$shm/b_ram.img" "$shm/c_ram.img"
AV=$(loop_of --direct-io=on "$dir/a_virgin.img")
AS=$(loop_of --direct-io=on "$dir/a_scratch.img")
BV=$(loop_of --direct-io=on "$dir/b_virgin.img")
BS=$(loop_of --direct-io=on "$dir/b_scratch.img")
AR=$(loop_of "$shm/a_ram.img")
BR=$(loop_of "$shm/b_ram.img")
CR=$(loop_of "$shm/c_ram.img")
SINK=$(loop_of "$shm/sink.img")  # RAM: a copy to it runs at the source's read speed

A="$schelk --state-path $dir/a/state.json"
B="$schelk --state-path $dir/b/state.json"
C="$schelk --state-path $dir/c/state.json"
# Random bytes carry no filesystem: schelk then sends every block.
$A -y init-from --virgin "$AV" --scratch "$AS" --ramdisk "$AR" --mount-point "$dir/a/mp" \
  --no-copy --fstype none >/dev/null

# The delta: copy_bench's scattered 1% (block 0, the superblock schelk hashes, is never in it).
"$gen" scattered "$size" 1 1 "$AV" "$BV" "$dir/delta.txt" "$dir/copy.iolog" "$dir/read.iolog" >&2
printf '0 %d\n' $((size / 4096)) >"$dir/whole.txt"

# make_generation STATE RANGES: what a promote of RANGES leaves behind (see the header).
make_generation() {
  python3 - "$1" "$2" <<'EOF'
import json, os, subprocess, sys, time
state_path, ranges_path = sys.argv[1], sys.argv[2]
st = json.load(open(state_path))
g = st["granularity"]
ranges = sorted(tuple(map(int, l.split())) for l in open(ranges_path) if l.strip())
fd = os.open(st["virgin"], os.O_WRONLY)
for b, e in ranges:
    os.pwrite(fd, os.urandom((e - b) * g), b * g)
os.fsync(fd)
os.close(fd)
raw, prev = bytearray(), 0
def varint(v):
    while v >= 0x80:
        raw.append((v & 0x7F) | 0x80)
        v >>= 7
    raw.append(v)
for b, e in ranges:
    assert b >= prev and e > b
    varint(b - prev)
    varint(e - b)
    prev = e
written = subprocess.run(["zstd", "-3", "-q", "-c"], input=bytes(raw), stdout=subprocess.PIPE,
                         check=True).stdout
gen = st["generation"] + 1
ms = int(time.time() * 1000)
rid = "%015d-promote" % ms
hist = os.path.join(os.path.dirname(state_path), "history")
os.makedirs(hist, exist_ok=True)
open(os.path.join(hist, rid + ".written.zst"), "wb").write(written)
record = {"id": rid, "command": "promote", "started_ms": ms, "ended_ms": ms, "version": "bench",
          "written_ranges": len(ranges),
          "report": {"outcome": "ok", "baseline_id": st["baseline_id"], "generation": gen}}
json.dump(record, open(os.path.join(hist, rid + ".json"), "w"), indent=2)
st["generation"] = gen
json.dump(st, open(state_path + ".tmp", "w"), indent=2)
os.replace(state_path + ".tmp", state_path)
EOF
}
# set_generation STATE G: B back to generation G (its virgin then holds the stream's blocks
# already; receive writes them again, as much work as the first time).
set_generation() {
  python3 - "$1" "$2" <<'EOF'
import json, os, sys
p = sys.argv[1]
st = json.load(open(p))
st["generation"] = int(sys.argv[2])
json.dump(st, open(p + ".tmp", "w"), indent=2)
os.replace(p + ".tmp", p)
EOF
}
new_b() { rm -rf "$dir/b"; }
recv_full="$B -y receive --virgin $BV --scratch $BS --ramdisk $BR --mount-point $dir/b/mp"

# B from A's generation 0 (a full receive, also a warm-up), then A moves to generation 1.
new_b
$A send --full --zstd-level 0 | $recv_full >/dev/null
make_generation "$dir/a/state.json" "$dir/delta.txt"
delta_bytes=$(awk '{ s += $2 - $1 } END { print s * 4096 }' "$dir/delta.txt")

# (e)'s volume: ext4 filled to half with copies of /usr's files (compressible data).
echo "filling a half-full ext4 volume ..." >&2
fio --name=prep --filename="$dir/c_virgin.img" --size="$size" --rw=write --bs=1M --iodepth=16 \
  --ioengine=io_uring --direct=1 --end_fsync=1 --refill_buffers --output=/dev/null
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$dir/c_virgin.img"
mkdir -p "$mnt"
mount -o loop "$dir/c_virgin.img" "$mnt"
# Files from /usr (binaries, libraries, text), copied round after round until half is used.
python3 - "$mnt" $((size / 2)) <<'EOF'
import os, shutil, sys
mnt, target = sys.argv[1], int(sys.argv[2])
def used():
    v = os.statvfs(mnt)
    return (v.f_blocks - v.f_bfree) * v.f_frsize
n = 0
for rnd in range(1000):
    for top in ("/usr/bin", "/usr/lib", "/usr/share"):
        for d, _, files in os.walk(top):
            for f in files:
                src = os.path.join(d, f)
                if os.path.islink(src) or not os.path.isfile(src):
                    continue
                dst = os.path.join(mnt, "r%d" % rnd, src.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                try:
                    shutil.copyfile(src, dst)
                except OSError:
                    continue
                n += 1
                if n % 200 == 0 and used() >= target:
                    sys.exit(0)
EOF
used_c=$(df --output=used -B1 "$mnt" | tail -1)
umount "$mnt"
CV=$(loop_of --direct-io=on "$dir/c_virgin.img")
CS=$(loop_of --direct-io=on "$dir/c_scratch.img")
$C -y init-from --virgin "$CV" --scratch "$CS" --ramdisk "$CR" --mount-point "$dir/c/mp" \
  --no-copy >/dev/null

copy() { echo "$schelk copy -y --from $1 --to $2 ${3:+--blocks $3} --json"; }
send_to_cat() { echo "$1 send $2 --zstd-level $3 | wc -c"; }
declare -A best bytes
keep() { best[$1]=$(min "${best[$1]:-}" "$2"); }
for r in $(seq "$repeats"); do
  echo "run $r/$repeats ..." >&2
  # (a) delta
  keep d_copy2 "$(timed "$(copy "$AV" "$BS" "$dir/delta.txt") && $(copy "$AV" "$BV" "$dir/delta.txt")")"
  for l in 0 1; do
    set_generation "$dir/b/state.json" 0
    keep d_recv$l "$(timed "$A send --from-generation 0 --zstd-level $l | $B -y receive --json")"
    cp "$dir/last.out" "$dir/recv_delta$l.json"
  done
  # (c) send alone and copy's read speed, delta
  keep d_copyread "$(timed "$(copy "$AV" "$SINK" "$dir/delta.txt")")"
  for l in 0 1; do
    keep d_send$l "$(timed "$(send_to_cat "$A" "--from-generation 0" $l)")"
    bytes[d_send$l]=$(cat "$dir/last.out")
  done
  # (b) full baseline
  keep f_copy2 "$(timed "$(copy "$AV" "$BS") && $(copy "$AV" "$BV")")"
  for l in 0 1; do
    new_b
    keep f_recv$l "$(timed "$A send --full --zstd-level $l | $recv_full --json")"
    cp "$dir/last.out" "$dir/recv_full$l.json"
  done
  # (c) and (d) on random data
  keep f_copyread "$(timed "$(copy "$AV" "$SINK")")"
  for l in 0 1; do
    keep f_send$l "$(timed "$(send_to_cat "$A" --full $l)")"
    bytes[f_send$l]=$(cat "$dir/last.out")
  done
  # (e) and (d) on compressible data
  for l in 0 1; do
    keep e_send$l "$(timed "$(send_to_cat "$C" --full $l)")"
    bytes[e_send$l]=$(cat "$dir/last.out")
  done
  keep e_ddz "$(timed "dd if=$CV bs=1M iflag=direct status=none | zstd -1 -q -c | wc -c")"
  bytes[e_ddz]=$(cat "$dir/last.out")
  keep e_dd "$(timed "dd if=$CV bs=1M iflag=direct status=none | wc -c")"
  bytes[e_dd]=$(cat "$dir/last.out")
  keep e_e2i "$(timed "e2image -ra $CV $dir/c.e2i && sync $dir/c.e2i")"
  bytes[e_e2i]=$(du -B1 "$dir/c.e2i" | cut -f1)
  rm -f "$dir/c.e2i"
  keep e_e2ipipe "$(timed "e2image -ra $CV - | wc -c")"
  bytes[e_e2ipipe]=$(cat "$dir/last.out")
done

# B now holds A's generation 0 (the last full receive); one more delta, checked with --verify.
set_generation "$dir/b/state.json" 0
$A send --from-generation 0 | $B -y receive --verify >/dev/null
if ! cmp "$AV" "$BV" || ! cmp "$AV" "$BS"; then
  echo "B differs from A after the receives" >&2
  exit 1
fi

row() {  # label seconds bytes-moved [shipped-bytes]
  printf '  %-44s %8.3f s %8.1f MB/s' "$1" "$2" "$(echo "$3 / $2 / 1000000" | bc -l)"
  [[ -n ${4:-} ]] && printf '   %12s bytes shipped' "$4"
  echo
}
steps() {  # the receive's own steps from its --json report
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("    receive steps: " + ", ".join("%s %.3f s" % (s["name"], s["ms"] / 1000)
                                       for s in d.get("steps", [])))' "$1" 2>/dev/null || true
}
echo
echo "schelk send/receive benchmark: ${size_gib} GiB, loop devices (direct-io) over files in $dir,"
echo "best of $repeats (wall clock, page cache dropped before each)"
# pair TITLE BYTES COPY2 RECV0 RECV1 STEPS_JSON: a receive against its floor, two copies.
pair() {
  echo "$1"
  row "$6" "${best[$3]}" $((2 * $2))
  row "$7 | receive$8, zstd 0" "${best[$4]}" "$2"
  row "$7 | receive$8, zstd 1" "${best[$5]}" "$2"
  echo "    receive / (2 x copy) = $(ratio "${best[$4]}" "${best[$3]}") (zstd 0), $(ratio "${best[$5]}" "${best[$3]}") (zstd 1); goal <= 1.1 with zstd 0"
  steps "$9"
}
pair "(a) scattered 1% delta ($delta_bytes bytes)" "$delta_bytes" d_copy2 d_recv0 d_recv1 \
  "schelk copy --blocks, twice (scratch, virgin)" "send --from-generation 0" "" "$dir/recv_delta0.json"
pair "(b) full baseline, random bytes ($size bytes)" "$size" f_copy2 f_recv0 f_recv1 \
  "schelk copy, twice (scratch, virgin)" "send --full" " (new pair)" "$dir/recv_full0.json"
echo "(c) send alone (into a pipe) against schelk copy to a RAM loop device (copy's read speed)"
row "delta: schelk copy --blocks to RAM" "${best[d_copyread]}" "$delta_bytes"
row "delta: send, zstd 0" "${best[d_send0]}" "$delta_bytes" "${bytes[d_send0]}"
row "full: schelk copy to RAM" "${best[f_copyread]}" "$size"
row "full: send, zstd 0" "${best[f_send0]}" "$size" "${bytes[f_send0]}"
echo "    send / copy read: delta $(ratio "${best[d_send0]}" "${best[d_copyread]}"), full $(ratio "${best[f_send0]}" "${best[f_copyread]}") (goal <= 1)"
echo "(d) zstd level 1 against 0 (send alone)"
# shipped KEY SIZE LABEL: a row with the stream bytes the run shipped.
shipped() { row "$3" "${best[$1]}" "$2" "${bytes[$1]}"; }
shipped d_send1 "$delta_bytes" "random delta, zstd 1"
for key in f_send1:"random full, zstd 1" e_send0:"ext4 half full (files from /usr), zstd 0" \
  e_send1:"ext4 half full (files from /usr), zstd 1"; do
  shipped "${key%%:*}" "$size" "${key#*:}"
done
echo "    random: time x$(ratio "${best[f_send1]}" "${best[f_send0]}"), bytes x$(ratio "${bytes[f_send1]}" "${bytes[f_send0]}");" \
  "compressible: time x$(ratio "${best[e_send1]}" "${best[e_send0]}"), bytes x$(ratio "${bytes[e_send1]}" "${bytes[e_send0]}")"
echo "(e) half-full ext4 ($used_c of $size bytes used): what a full copy ships"
for key in e_send0:"send --full, zstd 0" e_send1:"send --full, zstd 1" \
  e_dd:"dd bs=1M direct | wc -c" e_ddz:"dd bs=1M direct | zstd -1" \
  e_e2i:"e2image -ra to a sparse file (allocated)" e_e2ipipe:"e2image -ra to a pipe"; do
  shipped "${key%%:*}" "$size" "${key#*:}"
done
echo "    send zstd 0 / e2image file: time $(ratio "${best[e_send0]}" "${best[e_e2i]}"), bytes $(ratio "${bytes[e_send0]}" "${bytes[e_e2i]}");" \
  "send zstd 1 / dd|zstd -1: time $(ratio "${best[e_send1]}" "${best[e_ddz]}"), bytes $(ratio "${bytes[e_send1]}" "${bytes[e_ddz]}")"
