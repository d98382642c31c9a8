#!/usr/bin/env bash
# Runs the end-to-end stories (tests/vm/stories/*.sh), each in a fresh boot of the test VM, and
# summarises their PASS/FAIL lines. The last line is always `N passed, M failed` (CI reads it);
# a story that crashes, times out or passes nothing counts as one more failure.
# Usage: tests/vm/run.sh [NAME_SUBSTRING...]   (default: every story)
# A story may ask for VM options in a header line: `# vm: --scratch-discard --disk-mib 512`.
# Env: VM_TIMEOUT (per story, default 600 s), VM_LOG_DIR (default build/vm-logs), VM_JOBS (stories
# run side by side, default 1; CI uses 2).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

if [ ! -x build/schelk ]; then
  echo "=== building schelk (build/schelk missing)"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build build --target schelk -j"${JOBS:-$(nproc)}" ||
    { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
fi
tests/vm/lib/build-image.sh >/dev/null || { echo "VM image build failed"; echo "0 passed, 1 failed"; exit 1; }

logs=${VM_LOG_DIR:-$repo/build/vm-logs}
mkdir -p "$logs"
stories=()
for s in tests/vm/stories/*.sh; do
  [ -f "$s" ] || continue
  if [ $# -gt 0 ]; then
    m=0; for p in "$@"; do case $(basename "$s") in *"$p"*) m=1 ;; esac; done
    [ $m = 1 ] || continue
  fi
  stories+=("$s")
done
[ ${#stories[@]} -gt 0 ] || { echo "no stories"; echo "0 passed, 1 failed"; exit 1; }

# One story: its log in $logs/NAME.log, its summary row in $logs/NAME.row. With $1 = stream, the
# output goes to the terminal as it comes; else the log is shown whole when the story ends.
run_story() {
  local s=$1 mode=$2 name opts t0 rc secs p f status
  name=$(basename "$s" .sh)
  opts=$(sed -n 's/^# vm: //p' "$s" | head -n1)
  t0=$(date +%s)
  if [ "$mode" = stream ]; then
    echo
    echo "=== $name ${opts:+($opts)}"
    # shellcheck disable=SC2086
    tests/vm/vm-run.sh --timeout "${VM_TIMEOUT:-600}" $opts "$s" 2>&1 | tee "$logs/$name.log"
    rc=${PIPESTATUS[0]}
  else
    # shellcheck disable=SC2086
    tests/vm/vm-run.sh --timeout "${VM_TIMEOUT:-600}" $opts "$s" >"$logs/$name.log" 2>&1
    rc=$?
  fi
  secs=$(( $(date +%s) - t0 ))
  p=$(grep -c '^PASS: ' "$logs/$name.log")
  f=$(grep -c '^FAIL: ' "$logs/$name.log")
  status=ok
  if [ "$rc" = 124 ]; then status=TIMEOUT
  elif [ "$rc" = 125 ]; then status=CRASH
  elif [ "$f" -gt 0 ]; then status=FAIL
  elif [ "$rc" != 0 ]; then status="EXIT $rc"
  elif [ "$p" = 0 ]; then status="NO PASS"
  fi
  printf '%s %s %s %s %s\n' "$name" "$p" "$f" "$secs" "$status" >"$logs/$name.row"
  if [ "$mode" != stream ]; then
    # One story's whole log at a time, so two lanes never interleave their lines.
    flock "$logs/.print.lock" sh -c 'echo; echo "=== $1 ($2 s)"; cat "$3"' _ "$name" "$secs" \
      "$logs/$name.log"
  fi
}

# VM_JOBS lanes of stories run side by side (each QEMU is one process; the stories are mostly
# waits on emulated I/O and the guest's own sleeps). Lanes take the stories in turn.
jobs=${VM_JOBS:-1}
t_all=$(date +%s)
rm -f "$logs"/*.row
if [ "$jobs" -le 1 ]; then
  for s in "${stories[@]}"; do run_story "$s" stream; done
else
  pids=()
  for ((lane = 0; lane < jobs; lane++)); do
    (
      for ((i = lane; i < ${#stories[@]}; i += jobs)); do run_story "${stories[$i]}" whole; done
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"
fi

total_pass=0 total_fail=0 bad=0
rows=()
for s in "${stories[@]}"; do
  name=$(basename "$s" .sh)
  if [ -f "$logs/$name.row" ]; then
    read -r _ p f secs status <"$logs/$name.row"
  else
    p=0 f=0 secs=0 status="NOT RUN"
  fi
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
  if [ "$status" != ok ] && [ "$f" = 0 ]; then total_fail=$((total_fail + 1)); fi
  [ "$status" != ok ] && bad=1
  rows+=("$(printf '%-36s %5s %5s %6ss  %s' "$name" "$p" "$f" "$secs" "$status")")
done

echo
echo "=== VM stories (logs in $logs), $(( $(date +%s) - t_all ))s in all"
printf '%-36s %5s %5s %7s  %s\n' story pass fail time status
printf '%s\n' "${rows[@]}"
for s in "${stories[@]}"; do grep -h '^FAIL: ' "$logs/$(basename "$s" .sh).log" 2>/dev/null; done | sed 's/^/  /' | head -n 50
# The end of a story that did not finish says where it stopped (CI shows only the log's tail).
for r in "${rows[@]}"; do
  case $r in *TIMEOUT|*CRASH|*EXIT*|*"NO PASS"|*"NOT RUN")
    n=${r%% *}
    echo "--- last lines of $n"
    tail -n 25 "$logs/$n.log" | sed 's/^/  /' ;;
  esac
done
[ "$total_pass" = 0 ] && bad=1
echo "$total_pass passed, $total_fail failed"
exit $bad
