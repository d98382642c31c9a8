#!/usr/bin/env bash
# Copy benchmark (not a test): `schelk copy` against fio doing the same I/O in the same run, plus
# dd and cp for the full copy. Prints times, MB/s and ratios; best of N runs, interleaved.
#   (a) full copy of SIZE: fio runs a read job and a write job (same block size, each with our
#       total depth threads*queue-depth) concurrently; dd and cp copy the same file.
#   (b) scattered copy of 1% of SIZE (64-block runs plus thousands of single blocks): fio replays
#       an iolog of exactly our planned reads and writes (copy_bench generates both).
#   (c) (b) with --verify: its extra time is compared with fio replaying the extra reads.
# Primary numbers are wall clock of the whole command; "own timing" is each tool's own measure
# (schelk --json seconds, which includes its setup and fdatasync; fio's longest job_runtime).
# usage: tests/bench/copy_bench.sh [--loop] [--size GIB] [--repeats N] [--dir DIR]
# Needs root for --loop and for dropping the page cache (cp). Build first (build/).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/bench_args.sh"
dir=/var/tmp/schelk-copy-bench
use_loop=0
bench_parse_args "usage: $0 [--loop] [--size GIB] [--repeats N] [--dir DIR]" 1 "$@"
bench_require_built "$schelk" "$gen"
command -v fio >/dev/null || { echo "fio not installed" >&2; exit 1; }

size=$((size_gib << 30))
mkdir -p "$dir"
loops=()
cleanup() {
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -f "$dir"/src.img "$dir"/dst.img "$dir"/*.iolog "$dir"/blocks.txt "$dir"/*.json
}
trap cleanup EXIT

echo "preparing two ${size_gib} GiB files in $dir ..." >&2
for f in src dst; do
  fio --name=prep --filename="$dir/$f.img" --size="$size" --rw=write --bs=1M --iodepth=16 \
    --ioengine=io_uring --direct=1 --end_fsync=1 --refill_buffers --output=/dev/null
done
src=$dir/src.img
dst=$dir/dst.img
if [[ $use_loop == 1 ]]; then
  src=$(losetup --find --show --direct-io=on "$dir/src.img"); loops+=("$src")
  dst=$(losetup --find --show --direct-io=on "$dir/dst.img"); loops+=("$dst")
fi

drop_caches() {
  sync
  [[ -w /proc/sys/vm/drop_caches ]] && echo 3 >/proc/sys/vm/drop_caches || true
}
now() { date +%s.%N; }
# Wall-clock seconds of a command (stdout to $dir/last.out). Everything but cp uses O_DIRECT;
# the page cache is dropped before cp only (dropping it before the others would also evict the
# tools' own binaries and libraries, and time their loading from disk).
timed() {
  local t0 t1
  [[ $1 == sh ]] && drop_caches
  t0=$(now)
  "$@" >"$dir/last.out"
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
# The tools' own timings of the last run: ours from --json, fio's longest job_runtime.
ours_internal() { json_num seconds; }
fio_internal() {
  grep -o '"job_runtime" : [0-9]*' "$dir/last.out" | awk '{ if ($3 > m) m = $3 } END { print m / 1000 }'
}
min() { if [[ -z $1 ]] || (( $(echo "$2 < $1" | bc -l) )); then echo "$2"; else echo "$1"; fi; }
json_num() { grep -o "\"$1\":[0-9.e+-]*" "$dir/last.out" | head -1 | cut -d: -f2; }

printf '0 %d\n' $((size / 4096)) >"$dir/whole.txt"
"$gen" scattered "$size" 1 1 "$src" "$dst" "$dir/blocks.txt" "$dir/copy.iolog" \
  "$dir/read.iolog" >&2

# Our threads and queue depth (the defaults), to give fio the same total depth (also a warm-up).
depth_of() {  # total in flight of our default run for a block list: threads * queue_depth
  "$schelk" copy --from "$src" --to "$dst" --blocks "$1" --json -y >"$dir/last.out"
  echo $(( $(json_num threads) * $(json_num queue_depth) ))
}
depth_full=$(depth_of "$dir/whole.txt")
depth_scat=$(depth_of "$dir/blocks.txt")
scat_bytes=$(json_num bytes)
echo "our total depth: full copy $depth_full x 1 MiB, scattered $depth_scat" >&2

a_ours="" a_fio="" a_dd="" a_cp="" b_ours="" b_fio="" c_ours="" c_fio=""
for r in $(seq "$repeats"); do
  echo "run $r/$repeats ..." >&2
  a_ours=$(min "$a_ours" "$(timed "$schelk" copy --from "$src" --to "$dst" --json -y)")
  a_ours_in=$(min "${a_ours_in:-}" "$(ours_internal)")
  a_fio=$(min "$a_fio" "$(timed fio --ioengine=io_uring --direct=1 --bs=1M \
    --iodepth="$depth_full" --size="$size" --output-format=json \
    --name=read --filename="$src" --rw=read \
    --name=write --filename="$dst" --rw=write --end_fsync=1)")
  a_fio_in=$(min "${a_fio_in:-}" "$(fio_internal)")
  a_dd=$(min "$a_dd" "$(timed dd if="$src" of="$dst" bs=1M iflag=direct oflag=direct \
    conv=notrunc,fdatasync status=none)")
  if [[ $use_loop == 1 ]]; then
    a_cp=$(min "$a_cp" "$(timed sh -c "cp '$src' '$dst' && sync '$dst'")")
  else
    a_cp=$(min "$a_cp" "$(timed sh -c "cp --sparse=never '$src' '$dst' && sync '$dst'")")
  fi
  # cp leaves both files in the page cache; O_DIRECT writers would then pay for invalidating it.
  drop_caches

  b_ours=$(min "$b_ours" "$(timed "$schelk" copy --from "$src" --to "$dst" \
    --blocks "$dir/blocks.txt" --json -y)")
  b_ours_in=$(min "${b_ours_in:-}" "$(ours_internal)")
  b_fio=$(min "$b_fio" "$(timed fio --name=replay --read_iolog="$dir/copy.iolog" \
    --ioengine=io_uring --direct=1 --iodepth="$depth_scat" --replay_no_stall=1 \
    --output-format=json)")
  b_fio_in=$(min "${b_fio_in:-}" "$(fio_internal)")
  c_ours=$(min "$c_ours" "$(timed "$schelk" copy --from "$src" --to "$dst" \
    --blocks "$dir/blocks.txt" --verify --json -y)")
  c_ours_in=$(min "${c_ours_in:-}" "$(ours_internal)")
  grep -q '"equal":true' "$dir/last.out" || { echo "verify did not report equal" >&2; exit 1; }
  c_fio=$(min "$c_fio" "$(timed fio --name=reads --read_iolog="$dir/read.iolog" \
    --ioengine=io_uring --direct=1 --iodepth="$depth_scat" --replay_no_stall=1 \
    --output-format=json)")
  c_fio_in=$(min "${c_fio_in:-}" "$(fio_internal)")
done

report() {  # label seconds bytes [internal-seconds]
  printf '  %-36s %8.3f s %9.1f MB/s' "$1" "$2" "$(echo "$3 / $2 / 1000000" | bc -l)"
  [[ -n ${4:-} ]] && printf '   (own timing %.3f s)' "$4"
  echo
}
ratio() { printf '%.3f' "$(echo "$1 / $2" | bc -l)"; }

kind=$([[ $use_loop == 1 ]] && echo "loop devices (direct-io) over files" || echo "files")
echo
echo "schelk copy benchmark: ${size_gib} GiB, $kind in $dir, best of $repeats (wall clock)"
echo "(a) full copy"
report "schelk copy" "$a_ours" "$size" "$a_ours_in"
report "fio read+write jobs, depth $depth_full" "$a_fio" "$size" "$a_fio_in"
report "dd bs=1M direct" "$a_dd" "$size"
report "cp + sync" "$a_cp" "$size"
echo "    ours/fio = $(ratio "$a_ours" "$a_fio") (own timings $(ratio "$a_ours_in" "$a_fio_in"))   ours/dd = $(ratio "$a_ours" "$a_dd")   ours/cp = $(ratio "$a_ours" "$a_cp")"
echo "(b) scattered 1% ($scat_bytes bytes)"
report "schelk copy --blocks" "$b_ours" "$scat_bytes" "$b_ours_in"
report "fio iolog replay, depth $depth_scat" "$b_fio" "$scat_bytes" "$b_fio_in"
echo "    ours/fio = $(ratio "$b_ours" "$b_fio") (own timings $(ratio "$b_ours_in" "$b_fio_in"))"
echo "(c) scattered 1% with --verify"
report "schelk copy --blocks --verify" "$c_ours" "$scat_bytes" "$c_ours_in"
extra=$(echo "$c_ours - $b_ours" | bc -l)
extra_in=$(echo "$c_ours_in - $b_ours_in" | bc -l)
printf '    verify cost %.3f s (own timing %.3f s); fio replaying its extra reads of both sides:\n' \
  "$extra" "$extra_in"
printf '    %.3f s (own timing %.3f s); cost/fio = %s (own timings %s)\n' "$c_fio" "$c_fio_in" \
  "$(ratio "$extra" "$c_fio")" "$(ratio "$extra_in" "$c_fio_in")"
