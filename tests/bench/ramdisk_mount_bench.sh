#!/usr/bin/env bash
# Mount-time and ramdisk-RAM benchmark (not a test), run inside the test VM on the real kernel:
#   tests/vm/vm-run.sh --ram-mib 4096 --mem-mib 6144 --timeout 1200 tests/bench/ramdisk_mount_bench.sh
# "after":  schelk mount on a fresh 4 GiB brd /dev/ram0 (clears only the era superblock block).
# "before": what the old mount did first, zero_device over the whole ramdisk (1 MiB O_DIRECT
#           writes: dd below is the same I/O), plus the same schelk mount; so before = zero + mount.
# RAM held by the ramdisk: MemFree before and after, page cache dropped (brd pages are not cache).
# TCG (no KVM) timings are only relative.
set -u
. "$REPO/tests/vm/lib/assert.sh"
. "$REPO/tests/vm/stories/10_schelk_helpers.bash"
need_schelk
memfree_kib() { sync; echo 3 >/proc/sys/vm/drop_caches; awk '/^MemFree:/{print $2}' /proc/meminfo; }
now() { date +%s.%N; }
mkdir -p $MP
check "init-new" sk_init >/dev/null
echo "ramdisk: $(blockdev --getsize64 $RAMDISK) bytes, discard_max_bytes=$(cat /sys/block/ram0/queue/discard_max_bytes)"

m0=$(memfree_kib)
t0=$(now); check "mount (after: block 0 only)" sk mount; t1=$(now)
m1=$(memfree_kib)
echo "RESULT after: mount $(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') s ; ramdisk RAM +$(( (m0 - m1) / 1024 )) MiB"
check "recover" sk recover >/dev/null

m2=$(memfree_kib)
t2=$(now)
dd if=/dev/zero of=$RAMDISK bs=1M oflag=direct status=none
t3=$(now)
check "mount after zeroing the whole ramdisk" sk mount
t4=$(now)
m3=$(memfree_kib)
z=$(awk -v a="$t2" -v b="$t3" 'BEGIN {print b - a}')
mt=$(awk -v a="$t3" -v b="$t4" 'BEGIN {print b - a}')
echo "RESULT before: zero ${z} s + mount ${mt} s ; ramdisk RAM +$(( (m2 - m3) / 1024 )) MiB (total since boot +$(( (m0 - m3) / 1024 )) MiB)"
check "recover" sk recover >/dev/null
t5=$(now); check "mount again (after) on the fully written ramdisk" sk mount; t6=$(now)
m4=$(memfree_kib)
echo "RESULT after-on-dirty: mount $(awk -v a="$t5" -v b="$t6" 'BEGIN {print b - a}') s ; RAM held since boot +$(( (m0 - m4) / 1024 )) MiB"
check "recover" sk recover >/dev/null
