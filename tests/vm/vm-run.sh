#!/usr/bin/env bash
# Boots the test VM (Debian 12 kernel, QEMU TCG) and runs one script in it, in a chroot of this
# host's root, against the real dm-era target. Prints the script's output; exits with its status
# (124 on timeout, 125 if the VM failed before or around the script).
# Usage: tests/vm/vm-run.sh [--disk-mib N] [--ram-mib N] [--mem-mib N] [--scratch-discard]
#          [--timeout S] [--out DIR] [--keep] [--quiet] SCRIPT [ARGS...]
# --quiet prints the script's output once it ends instead of streaming it.
# The script sees: SCHELK (this repo's build/schelk), REPO, VIRGIN, SCRATCH (emulated NVMe disks,
# sparse files here), RAMDISK=/dev/ram0 (brd), VM_OUT (a directory copied to --out DIR after).
set -euo pipefail
all_args=("$@")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

disk_mib=256 ram_mib=64 mem_mib=2048 discard=0 timeout=300 out= keep=0 quiet=0
usage() { sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --disk-mib) disk_mib=$2; shift 2 ;;
    --ram-mib) ram_mib=$2; shift 2 ;;
    --mem-mib) mem_mib=$2; shift 2 ;;
    --scratch-discard) discard=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --quiet) quiet=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "vm-run: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
script=$(realpath "$1"); shift
[ -f "$script" ] || { echo "vm-run: no script $script" >&2; exit 2; }
for v in "$script" "$PWD" "$repo"; do
  case $v in *[[:space:]]*) echo "vm-run: paths with spaces are not supported: $v" >&2; exit 2 ;; esac
done

eval "$("$here/lib/build-image.sh")"   # KVER KERNEL INITRAMFS MODTREE

run=$(mktemp -d "${TMPDIR:-/var/tmp}/schelk-vm.XXXXXX")
qpid=
cleanup() {
  [ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "vm-run: kept $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

truncate -s "${disk_mib}M" "$run/virgin.img" "$run/scratch.img"
{
  printf 'export VM_SCRIPT=%q VM_CWD=%q REPO=%q SCHELK=%q\n' \
    "$script" "$PWD" "$repo" "$repo/build/schelk"
  printf 'VM_ARGS=('; printf '%q ' "$@"; printf ')\n'
} >"$run/host.env"
echo "$MODTREE" >"$run/modtree"

scratch_opts=
[ "$discard" = 1 ] && scratch_opts=",discard=unmap,detect-zeroes=unmap"
elapsed() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN {print t1 - t0}'; }
log=$run/console.log
start=$(date +%s.%N)
# TCG only: a KVM guest hangs at boot on the reference machine.
qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "$mem_mib" \
  -nodefaults -no-reboot -display none -monitor none -serial "file:$log" \
  -kernel "$KERNEL" -initrd "$INITRAMFS" \
  -append "console=ttyS0 quiet loglevel=1 panic=-1 no_timer_check schelk_rd_kib=$((ram_mib * 1024))" \
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=vmrun,path="$run",security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=vmrun,mount_tag=vmrun \
  -drive file="$run/virgin.img",if=none,id=virgin,format=raw,cache=unsafe \
  -device nvme,serial=virgin,drive=virgin \
  -drive file="$run/scratch.img",if=none,id=scratch,format=raw,cache=unsafe$scratch_opts \
  -device nvme,serial=scratch,drive=scratch \
  </dev/null >"$run/qemu.out" 2>&1 &
qpid=$!

# Stream the script's output while waiting (unless --quiet); kill QEMU at the deadline.
deadline=$(( $(date +%s) + timeout ))
shown=0 timed_out=0
# Only lines after SCHELK_VM_BEGIN are the script's (the rest is the kernel and init).
began=0
stream() {
  [ "$quiet" = 1 ] && return 0
  [ -f "$log" ] || return 0
  local n line
  n=$(wc -l <"$log")
  [ "$n" -gt "$shown" ] || return 0
  while IFS= read -r line; do
    line=${line%$'\r'}
    case $line in
      SCHELK_VM_BEGIN) began=1 ;;
      SCHELK_VM_RESULT=*) began=0 ;;
      vm-init:*) echo "$line" ;;
      *) [ "$began" = 1 ] && echo "$line" ;;
    esac
  done < <(sed -n "$((shown + 1)),${n}p" "$log")
  shown=$n
}
# A TCG guest on a loaded host now and then stalls during boot; a boot normally takes 10-30 s.
# When the script has not begun by the boot deadline, the VM is killed and booted once more.
boot_deadline=$(( $(date +%s) + ${VM_BOOT_TIMEOUT:-150} ))
boot_hung=0
while kill -0 "$qpid" 2>/dev/null; do
  stream
  now=$(date +%s)
  if [ "$now" -ge "$deadline" ]; then
    timed_out=1
    kill -KILL "$qpid" 2>/dev/null || true
    break
  fi
  if [ "$now" -ge "$boot_deadline" ] && ! grep -q SCHELK_VM_BEGIN "$log" 2>/dev/null; then
    boot_hung=1
    kill -KILL "$qpid" 2>/dev/null || true
    break
  fi
  sleep 0.5
done
wait "$qpid" 2>/dev/null || true
qpid=
stream
# --quiet: nothing while running; the script's output (from the shared directory) at the end.
[ "$quiet" = 1 ] && [ -f "$run/output.log" ] && cat "$run/output.log"
secs=$(elapsed "$start")

if [ -n "$out" ]; then
  mkdir -p "$out"
  cp -a "$run/out/." "$out/" 2>/dev/null || true
fi
result=$(tr -d '\r' <"$log" | sed -n 's/^SCHELK_VM_RESULT=//p' | tail -n1)
if [ "$boot_hung" = 1 ]; then
  echo "vm-run: the VM did not start the script within ${VM_BOOT_TIMEOUT:-150}s; console tail:" >&2
  tail -n 10 "$log" | tr -d '\r' >&2
  if [ "${VM_RUN_ATTEMPT:-1}" = 1 ]; then
    echo "vm-run: booting once more" >&2
    cleanup
    trap - EXIT
    VM_RUN_ATTEMPT=2 exec "$0" "${all_args[@]}"
  fi
  exit 125
fi
if [ "$timed_out" = 1 ]; then
  echo "vm-run: TIMEOUT after ${timeout}s ($(basename "$script")); last console lines:" >&2
  tail -n 20 "$log" | tr -d '\r' >&2
  exit 124
fi
case $result in
  ''|*[!0-9]*)
    # A TCG guest on a loaded host can panic at boot (IO-APIC timer check) before the script
    # starts; nothing ran yet, so one more boot is safe.
    if ! grep -q SCHELK_VM_BEGIN "$log" && [ "${VM_RUN_ATTEMPT:-1}" = 1 ]; then
      echo "vm-run: the VM failed before the script started; booting once more" >&2
      tail -n 5 "$log" | tr -d '\r' >&2
      cleanup
      trap - EXIT
      VM_RUN_ATTEMPT=2 exec "$0" "${all_args[@]}"
    fi
    echo "vm-run: the VM did not report a result ($result); console tail:" >&2
    tail -n 30 "$log" | tr -d '\r' >&2
    sed 's/^/qemu: /' "$run/qemu.out" >&2
    exit 125 ;;
esac
printf 'vm-run: %s exited %s in %.1fs (boot + run)\n' "$(basename "$script")" "$result" "$secs" >&2
exit "$result"
