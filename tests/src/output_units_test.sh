#!/usr/bin/env bash
# One output convention across every command that runs without root or dm-era (README "Output
# conventions"): a scripted run of copy and verify on files (with --verify, differing files,
# --json, each --progress mode), the era tools under schelk's names on the fixtures, written
# --metadata on a fixture, help, status and history without a state. Everything they print,
# stdout and stderr, must use IEC sizes (no decimal "MB"/"GB"/"KB" label), the one rate unit
# (MiB/s) and the one duration format; plain progress lines are whole lines without \r.
# Usage: tests/src/output_units_test.sh SCHELK_BINARY FIXTURES_DIR
set -u
binary=${1:?usage: output_units_test.sh SCHELK_BINARY FIXTURES_DIR}
fixtures=${2:?}
work=$(mktemp -d /tmp/schelk-units-test-XXXXXX)
trap 'rm -rf "$work"' EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../support/check.sh"

all=$work/all.txt  # every line printed, for the checks at the end
: >"$all"
# run NAME ARGS...: runs schelk with stdin from /dev/null, keeps stdout and stderr apart in
# $work/NAME.out and .err, appends both to $all, and leaves the exit status in $rc.
run() {
  local name=$1
  shift
  "$binary" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" && rc=0 || rc=$?
  cat "$work/$name.out" "$work/$name.err" >>"$all"
}

unset SCHELK_PROGRESS
head -c $((24 << 20)) /dev/urandom >"$work/a.img"
: >"$work/b.img"
truncate -s $((24 << 20)) "$work/b.img"

# copy and verify on files, every phase with its own size, time and rate.
run copy copy --from "$work/a.img" --to "$work/b.img" --verify --progress never
check "copy --verify exits 0" test "$rc" -eq 0
check "copy reports the copy phase: size, time, rate" \
  grep -Eq '^Copied 24\.00 MiB \([0-9]+ I/O extents\) from .* in [0-9.]+(ms|s) \([0-9]+\.[0-9] MiB/s; ' \
  "$work/copy.out"
check "copy reports the verify phase: size, time, rate" \
  grep -Eq '^Verified: 24\.00 MiB compared in [0-9.]+(ms|s) \([0-9]+\.[0-9] MiB/s\), equal$' \
  "$work/copy.out"
check "--progress never prints no progress" test ! -s "$work/copy.err"
run copy_json copy --from "$work/a.img" --to "$work/b.img" --verify --json --progress never
check "copy --json has each phase's bytes, seconds and mib_per_s" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
for phase in (j["copy"], j["verify"]):
    assert phase["bytes"] == 24 << 20 and phase["seconds"] >= 0 and phase["mib_per_s"] >= 0, phase
assert "mb_per_s" in j and "seconds" in j  # kept
' "$work/copy_json.out"
run verify verify --a "$work/a.img" --b "$work/b.img" --progress never
check "verify reports size, time and rate" \
  grep -Eq '^24\.00 MiB compared in [0-9.]+(ms|s) \([0-9]+\.[0-9] MiB/s; .*\): equal$' \
  "$work/verify.out"
printf 'X' | dd of="$work/b.img" bs=1 seek=$((5 << 20)) conv=notrunc status=none
run differ verify --a "$work/a.img" --b "$work/b.img" --progress never
check "verify of differing files exits 3" test "$rc" -eq 3
check "differing: size, time and rate, then the ranges" \
  grep -Eq '^24\.00 MiB compared in [0-9.]+(ms|s) \([0-9]+\.[0-9] MiB/s\): 1 range\(s\) differ \(4\.00 KiB\)' \
  "$work/differ.out"
run verify_json verify --a "$work/a.img" --b "$work/b.img" --json --progress never
check "verify --json has the phase's seconds and mib_per_s" python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["verify"]
assert v["seconds"] >= 0 and v["mib_per_s"] >= 0 and v["equal"] is False, v
' "$work/verify_json.out"

# Progress modes with stderr not a terminal.
run always copy --from "$work/a.img" --to "$work/b.img" --verify --progress always
check "--progress always: plain lines for each phase on stderr" \
  grep -Eq '^verify: 24\.00 MiB / 24\.00 MiB \(100\.0%\)  [0-9]+\.[0-9] MiB/s  in [0-9]+:[0-9]{2}$' \
  "$work/always.err"
check "--progress always: a plain line for the copy phase" \
  grep -Eq '^copy: [0-9.]+ (B|KiB|MiB) / 24\.00 MiB \([0-9.]+%\)' "$work/always.err"
check "plain progress lines have no carriage return or escape" \
  bash -c "! grep -q \$'[\\r\\033]' '$work/always.err'"
check "progress stays off stdout" bash -c "! grep -q '%)' '$work/always.out'"
run auto copy --from "$work/a.img" --to "$work/b.img"
check "auto without a terminal: a short copy prints no progress" test ! -s "$work/auto.err"
SCHELK_PROGRESS=always run env_always copy --from "$work/a.img" --to "$work/b.img"
check "SCHELK_PROGRESS=always gives plain lines" grep -q '^copy: ' "$work/env_always.err"
SCHELK_PROGRESS=always run env_never copy --from "$work/a.img" --to "$work/b.img" --progress never
check "--progress wins over SCHELK_PROGRESS" test ! -s "$work/env_never.err"
run bad copy --from "$work/a.img" --to "$work/b.img" --progress sometimes
check "copy --progress sometimes is a usage error (2)" test "$rc" -eq 2
check "it names the choices" grep -q "auto, always or never" "$work/bad.err"
run bad_global --progress sometimes status --state-path "$work/none.json"
check "the global --progress sometimes is a usage error (2)" test "$rc" -eq 2

# The era tools under schelk's names, written --metadata, on a fixture image.
gzip -dc "$fixtures/era/f1.bin.gz" >"$work/f1.bin"
run era_dump era-dump "$work/f1.bin"
check "era-dump runs" test "$rc" -eq 0
run era_check era-check "$work/f1.bin"
run era_invalidate era-invalidate --written-since 1 "$work/f1.bin"
run written written --metadata "$work/f1.bin"
check "written --metadata runs" test "$rc" -eq 0
run written_by_size written --metadata "$work/f1.bin" --json

# Help, status and history without a state.
run help --help
for c in init-new recover promote full-recover status written history copy verify; do
  run "help_$c" help "$c"
done
run status status --state-path "$work/none.json"
run status_json status --json --state-path "$work/none.json"
run history history --state-path "$work/none.json"

# The convention over everything printed above.
check "the scripted run printed something" test "$(wc -l <"$all")" -gt 100
check "no decimal size label (kB, KB, MB, GB, TB)" \
  bash -c "! grep -En '[0-9] ?(kB|KB|MB|GB|TB|PB)\b' '$all'"
check "no decimal rate (MB/s, GB/s, KB/s)" bash -c "! grep -En '(kB|KB|MB|GB)/s' '$all'"
rates=$(grep -oE '[0-9] ?[A-Za-z]+/s\b' "$all" | sed 's/^[0-9] \?//' | sort -u | tr '\n' ' ')
check "one rate unit: MiB/s (found: $rates)" test "$rates" = "MiB/s "
check "no duration as '<number> s' or '<number> ms' (format_duration writes 2.50s, 250ms)" \
  bash -c "! grep -En '[0-9] (s|ms|sec|secs|seconds)\b' '$all'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
