#!/usr/bin/env bash
# era_invalidate benchmark: ours vs thin-provisioning-tools 0.9 vs Rust 1.x on the same
# read-only loop device. Images (written by our writer, era_image_bench) have 16M and 456M data
# blocks (456M = 1.7 TiB at 4 KiB) in three shapes: (a) 1% written only in an archived writeset,
# (b) the same digested into the era array, (c) both (1% digested + another 1% archived);
# optional (s): (a) with every all-zero era-array block one shared block (a valid layout, but
# the kernel and 0.9 era_restore write one block per index).
# "ours" is the default (reads the whole era array, right on any metadata); "ours-k" adds
# --trust-kernel-order (skips the era array when the lowest archived era <= N, as 1.x does).
# "written" is `schelk written --metadata DEV --since N` (the summary of issue 11) on the same
# device: its ratio to ours era-invalidate is the column written/ours (goal: at most 1.2).
# Wall time is the best of 5 runs (a peer whose run exceeds 60 s runs once), RSS the peak.
# Outputs are compared after normalizing 0.9's `end = "E"` spelling and final newline.
# Usage: tests/bench/era_bench.sh [--quick] [BUILD_DIR]     (--quick: 16M only). Needs root.
# Env: ERA_BENCH_DIR (image directory, default /dev/shm), SCHELK_TPT_RUST (pdata_tools path),
#      ERA_BENCH_SIZES (data blocks, default per mode), ERA_BENCH_SHAPES (default "a b c"), ERA_BENCH_SINCE (default 1),
#      ERA_BENCH_V09_LARGE_SHAPES: shapes on which 0.9 runs at 456M (default "a b c"; each run
#      takes 3-10 minutes there; set it empty to skip 0.9 there).
set -euo pipefail

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
ours=$build/schelk
helper=$build/tests/bench/era_image_bench
v09=/usr/sbin/era_invalidate
rust=${SCHELK_TPT_RUST:-/var/cache/schelk/tpt-rust/usr/sbin/pdata_tools}
dir=${ERA_BENCH_DIR:-/dev/shm}
shapes=${ERA_BENCH_SHAPES:-a b c}
since=${ERA_BENCH_SINCE:-1}
v09_large_shapes=${ERA_BENCH_V09_LARGE_SHAPES-a b c}  # set but empty: 0.9 not run at 456M
sizes="16777216"
[ "$quick" = 1 ] || sizes="16777216 456000000"
sizes=${ERA_BENCH_SIZES:-$sizes}

for x in "$ours" "$helper"; do
  [ -x "$x" ] || { echo "era_bench: $x missing (build first)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "era_bench: needs root (losetup)" >&2; exit 1; }
[ -x "$v09" ] || v09=
[ -x "$rust" ] || { echo "era_bench: Rust tools absent ($rust); run scripts/fetch-tpt-rust.sh" >&2; rust=; }

work=$(mktemp -d "$dir/schelk-era-bench.XXXXXX")
loopdev=
cleanup() {
  if [ -n "$loopdev" ]; then losetup -d "$loopdev" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# "<blocks>" body lines with 0.9's spacing folded to 1.x's, one per line, final newline.
normalize() { sed -E 's/ end = "/ end="/; s#</blocks>$#</blocks>#' "$1" | sed -e '$a\' | md5sum | cut -c1-12; }

# Runs one peer; sets T (best wall s), R (peak RSS MiB), N (runs), RC, H (normalized hash).
measure() {
  local out=$work/out.$1; shift
  local line
  line=$("$helper" time 5 60 "$out" -- "$@")
  T=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$line")
  R=$(( $(sed -E 's/.*rss_kib=([0-9]+).*/\1/' <<<"$line") / 1024 ))
  N=$(sed -E 's/.*runs=([0-9]+).*/\1/' <<<"$line")
  RC=$(sed -E 's/.*rc=([0-9]+).*/\1/' <<<"$line")
  H=$(normalize "$out")
}

printf '%-10s %-5s | %-16s | %-16s | %-16s | %-22s | %-22s | %-8s %-8s %-8s %-8s | %s\n' blocks \
  shape "ours s (MiB)" "ours-k s (MiB)" "written s (MiB)" "0.9 s (MiB) runs" "1.x s (MiB) runs" \
  ours/1.x ours-k/1.x ours/0.9 written/ours "outputs"
for size in $sizes; do
  for shape in $shapes; do
    img=$work/img.$shape.$size
    "$helper" write "$shape" "$size" "$img" >&2
    loopdev=$(losetup -r -f --show "$img")
    measure ours "$ours" era-invalidate --written-since "$since" "$loopdev"
    o_t=$T o_r=$R o_h=$H o_rc=$RC
    # ours-k: --trust-kernel-order, the era-array shortcut 1.x always takes (valid here: the
    # images keep the kernel's digestion order).
    measure oursk "$ours" era-invalidate --trust-kernel-order --written-since "$since" "$loopdev"
    k_t=$T k_r=$R k_h=$H
    measure written "$ours" written --metadata "$loopdev" --since "$since"
    w_t=$T w_r=$R
    w_ratio=$(awk -v a="$w_t" -v b="$o_t" 'BEGIN { printf "%.3f", a / b }')
    [ "$RC" = 0 ] || w_ratio="rc=$RC"
    c_cell="not run" c_ratio="-" r_cell="-" r_ratio="-" k_ratio="-" agree="ours rc=$o_rc"
    [ "$k_h" = "$o_h" ] && agree="$agree, ours-k same" || agree="$agree, ours-k DIFFERS (rc=$RC)"
    if [ -n "$v09" ] && { [ "$size" -le 16777216 ] || [[ " $v09_large_shapes " == *" $shape "* ]]; }; then
      measure v09 "$v09" --written-since "$since" "$loopdev"
      c_cell=$(printf '%.3f (%d) x%d' "$T" "$R" "$N")
      c_ratio=$(awk -v a="$o_t" -v b="$T" 'BEGIN { printf "%.4f", a / b }')
      [ "$H" = "$o_h" ] && agree="$agree, 0.9 same" || agree="$agree, 0.9 DIFFERS (rc=$RC)"
    fi
    if [ -n "$rust" ]; then
      measure rust "$rust" era_invalidate --written-since "$since" "$loopdev"
      r_cell=$(printf '%.3f (%d) x%d' "$T" "$R" "$N")
      r_ratio=$(awk -v a="$o_t" -v b="$T" 'BEGIN { printf "%.3f", a / b }')
      k_ratio=$(awk -v a="$k_t" -v b="$T" 'BEGIN { printf "%.3f", a / b }')
      if [ "$H" = "$o_h" ]; then
        agree="$agree, 1.x same"
      else
        agree="$agree, 1.x DIFFERS (rc=$RC$( [ "$shape" = b ] && echo ', 1.1 empty-tree bug'))"
      fi
    fi
    printf '%-10s %-5s | %-16s | %-16s | %-16s | %-22s | %-22s | %-8s %-8s %-8s %-8s | %s\n' \
      "$size" "$shape" "$(printf '%.4f (%d)' "$o_t" "$o_r")" "$(printf '%.4f (%d)' "$k_t" "$k_r")" \
      "$(printf '%.4f (%d)' "$w_t" "$w_r")" "$c_cell" "$r_cell" "$r_ratio" "$k_ratio" "$c_ratio" \
      "$w_ratio" "$agree"
    losetup -d "$loopdev"
    loopdev=
    rm -f "$img"
  done
done
