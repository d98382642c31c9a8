#!/usr/bin/env bash
# schelk stories 0, 1 and 13: prerequisites, init-new -> mount -> write -> recover -> the files
# are gone and scratch is byte-identical to virgin; recover with nothing mounted exits 0.
# No dmsetup/era_invalidate/mount binaries in PATH for schelk.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
need_schelk

# schelk runs with a PATH holding only mkfs.ext4 (and the shell utilities), never dmsetup.
bin=/tmp/schelk-bin; mkdir -p $bin
ln -sf "$(command -v mkfs.ext4)" $bin/mkfs.ext4
ln -sf "$SCHELK" $bin/schelk
sk() { env PATH=$bin "$SCHELK" --state-path /tmp/st/state.json "$@"; }
MP=/tmp/schelk-mp

check "story 0: no dmsetup in schelk's PATH" test ! -e $bin/dmsetup
check_output_contains "story 0: version" '^schelk [0-9]+\.[0-9]+\.[0-9]+' sk -V
check_output_contains "status before init" 'schelk is not initialized' sk status
check_output_contains "recover before init fails with the init hint" \
  "has not been initialized" sk recover

step "init-new"
check "init-new -y" sk -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point $MP
check_same_bytes "init-new: scratch equals virgin" "$VIRGIN" "$SCRATCH"
check_output_contains "state file has schelk's fields" '"dm_era_name": "bench_era"' cat /tmp/st/state.json

step "mount"
check "mount" sk mount
check_output_contains "mounted at $MP" "/dev/mapper/bench_era $MP ext4" cat /proc/mounts
check "/dev/mapper/bench_era exists" test -b /dev/mapper/bench_era
check_output_contains "status: mounted, device active" 'dm-era device: active' sk status
check_output_contains "discards are off on the era device" 'Discards: off' sk status
check_fails "mount twice fails" sk mount

step "write"
dd if=/dev/urandom of=$MP/file1 bs=1M count=8 status=none
mkdir -p $MP/dir && echo hello >$MP/dir/hello
sync
check_differ_bytes "scratch differs from virgin after writes" "$VIRGIN" "$SCRATCH"

step "recover"
check_output_contains "recover restores blocks" 'Blocks restored' sk recover
check "unmounted" sh -c "! grep -q \" $MP \" /proc/mounts"
check "dm device removed" test ! -e /dev/mapper/bench_era
check_same_bytes "recover: scratch byte-identical to virgin" "$VIRGIN" "$SCRATCH"
check_output_contains "status: not mounted" 'Mounted: no \(state\)' sk status

step "story 13: recover with nothing mounted"
check_output_contains "recover no-op message" 'Volume is not mounted. Nothing to recover.' sk recover
check "recover no-op exits 0" sk recover

step "mount again: the files are gone"
check "mount again" sk mount
check "file1 is gone" test ! -e $MP/file1
check "dir is gone" test ! -e $MP/dir
check_output_contains "recover with nothing written" 'Nothing to recover|Blocks restored' sk recover
check_same_bytes "scratch byte-identical after an idle cycle" "$VIRGIN" "$SCRATCH"
