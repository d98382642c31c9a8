#!/usr/bin/env bash
# Many mount/write/recover cycles with different write patterns (new files, in-place 4 KiB
# O_DIRECT overwrites of a baseline file, deletes of baseline files, fallocate, many small
# files), restore and promote in between; scratch byte-identical to virgin after each.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/schelk_story.sh"
need_schelk

check "init-new" sk_init
check "mount" sk mount
dd if=/dev/urandom of=$MP/base bs=1M count=4 status=none
dd if=/dev/urandom of=$MP/base2 bs=1M count=4 status=none
sync
check "promote the baseline" sk -y promote
check_same_bytes "baseline" "$VIRGIN" "$SCRATCH"

for n in $(seq 0 9); do
  check "[$n] mount" sk mount || break
  write_pattern $n
  if [ $n = 6 ]; then
    check "[$n] restore" sk restore
    write_pattern $((n + 1))
  fi
  out=$(sk recover --verify 2>&1) && rc=0 || rc=$?
  check_eq "[$n] recover --verify exits 0" 0 "$rc" || printf '%s\n' "$out" | _indent
  check_same_bytes "[$n] scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
done
check "mount" sk mount
check "base is back" test -f $MP/base -a -f $MP/base2
check "recover" sk recover
