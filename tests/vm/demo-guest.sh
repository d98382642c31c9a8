#!/usr/bin/env bash
# The demo's guest half (run by tests/vm/demo.sh inside the VM): a full schelk cycle on real
# dm-era, with timings. Exits non-zero, naming the step, as soon as a step fails.
set -u
MP=/mnt/bench
declare -a summary
run() { # STEP CMD...: runs, times and reports one step
  local name=$1 t0 t1 rc; shift
  echo
  echo "==> $name: $*"
  t0=$(date +%s.%N)
  "$@"; rc=$?
  t1=$(date +%s.%N)
  summary+=("$(printf '%-40s %8.2fs  %s' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
                 "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  if [ $rc != 0 ]; then
    echo "DEMO FAILED at '$name': exit $rc"
    print_summary
    exit 1
  fi
}
print_summary() {
  echo
  echo "=== demo timings (QEMU TCG guest: slow CPU, emulated NVMe)"
  printf '%s\n' "${summary[@]}"
}

echo "virgin=$VIRGIN scratch=$SCRATCH ramdisk=$RAMDISK ($(blockdev --getsize64 "$VIRGIN") bytes each)"
[ -x "$SCHELK" ] || { echo "DEMO FAILED: no schelk binary at $SCHELK"; exit 1; }
mkdir -p "$MP"
run "init-new" "$SCHELK" init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point "$MP" -y
run "mount" "$SCHELK" mount -y
run "benchmark writes files" sh -c "
  dd if=/dev/urandom of=$MP/big.bin bs=1M count=${DEMO_WRITE_MIB:-32} status=none &&
  mkdir -p $MP/db && for i in \$(seq 1 200); do echo row \$i >$MP/db/t\$i; done &&
  sync"
run "status" "$SCHELK" status
run "recover" "$SCHELK" recover -y
run "verify --a virgin --b scratch" "$SCHELK" verify --a "$VIRGIN" --b "$SCRATCH"
run "independent check: cmp virgin scratch" cmp "$VIRGIN" "$SCRATCH"
run "status after recover" "$SCHELK" status
print_summary
echo "DEMO OK"
