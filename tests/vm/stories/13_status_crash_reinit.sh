#!/usr/bin/env bash
# schelk stories 8, 9 and 10: status at each lifecycle point (text and --json), inconsistent
# states made by editing the state file, reinitialisation (confirmation, -y).
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

step "story 8: status through the lifecycle"
check_output_contains "uninitialized" 'schelk is not initialized' sk status
check_output_contains "uninitialized json" '"initialized":false' sk status --json
check "init-new" sk_init --mount-options noatime --dm-era-name era_status
check_output_contains "idle: header" '^schelk status$' sk
check_output_contains "idle: configuration" 'Granularity: 4096 bytes' sk status
check_output_contains "idle: mount options shown" 'Mount options: +noatime' sk status
check_output_contains "idle: dm-era name" 'dm-era name: era_status' sk status
check_output_contains "idle: not mounted (state)" 'Mounted: no \(state\)' sk status
check_output_contains "idle: not mounted (actual)" 'Mounted: no \(actual\)' sk status
check_output_contains "idle: no device" 'dm-era device: none' sk status
check_output_contains "idle: superblock hash" 'Superblock hash: [0-9a-f]{64}' sk status
check "mount" sk mount
check_output_contains "mounted: state" 'Mounted: yes \(state\)' sk status
check_output_contains "mounted: actual" 'Mounted: yes \(actual\)' sk status
check_output_contains "mounted: device active" 'dm-era device: active' sk status
check_output_contains "mounted: current era" 'Current era: 1' sk status
check_output_contains "mounted json" '"state_mounted":true,"current_era":1,"actually_mounted":true,"dm_device_exists":true' sk status --json
check_eq "status --json is one line, one object" 1 "$(sk status --json | wc -l)"
check_output_contains "status runs as non-root" 'Mounted: yes \(state\)' \
  setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE" status
check "recover" sk recover
check_output_contains "after recover" 'Mounted: no \(state\)' sk status

step "story 9: inconsistent states (state file edited)"
sed -i 's/"is_mounted": false/"is_mounted": true/' "$SK_STATE"
check_output_contains "state says mounted, nothing there" 'Mounted: NO \(actual\) - state inconsistent!' sk status
check_output_contains "device MISSING" 'dm-era device: MISSING' sk status
check_output_contains "json: inconsistent" '"consistent":false' sk status --json
check_output_contains "recover refuses: full-recover" 'full-recover' sk recover
sed -i 's/"is_mounted": true/"is_mounted": false/' "$SK_STATE"
check "mount" sk mount
sed -i 's/"is_mounted": true/"is_mounted": false/' "$SK_STATE"
check_output_contains "actually mounted, state not" 'Mounted: YES \(actual\) - state inconsistent!' sk status
check_output_contains "stale device" 'EXISTS \(state inconsistent, stale device\?\)' sk status
# A mount of schelk's era device that the state does not record: mount repairs it (unmounts,
# removes the device) and then refuses, since scratch was written against no baseline it knows.
sk mount >/tmp/m13.log 2>&1
check_output_contains "mount unmounts the mount the state did not record" \
  "Repaired: unmounted $MP, a mount of schelk's era device 'era_status'" cat /tmp/m13.log
check_output_contains "and removes the device" "Repaired: removed era device 'era_status'" \
  cat /tmp/m13.log
check_output_contains "then refuses: a full recovery is needed" "Run 'schelk full-recover'" \
  cat /tmp/m13.log
check_fails "not mounted" mountpoint -q "$MP"
check_output_contains "status says so" 'Scratch: NEEDS A FULL RECOVERY \(unknown_mount' sk status
check "full-recover" sk -y full-recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
echo '{ not json' >"$SK_STATE.bad"
check_output_contains "corrupted state file" 'State file is corrupted' \
  env PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE.bad" status

step "story 10: reinit"
check_output_contains "reinit without -y asks and cancels" 'schelk is already initialized' \
  sh -c "echo no | env PATH=$SK_BIN $SCHELK --state-path $SK_STATE init-new --virgin $VIRGIN --scratch $SCRATCH --ramdisk $RAMDISK --mount-point $MP"
check_output_contains "state kept after cancel" '"dm_era_name": "era_status"' cat "$SK_STATE"
check "reinit with -y" sk_init
check_output_contains "new state" '"dm_era_name": "bench_era"' cat "$SK_STATE"
check "mount after reinit" sk mount
check_output_contains "reinit refused while mounted" 'before reinitializing' sk_init
check "recover" sk recover
check_same_bytes "identical" "$VIRGIN" "$SCRATCH"
check_fails "same device refused" sk -y init-new --virgin "$VIRGIN" --scratch "$VIRGIN" \
  --ramdisk "$RAMDISK" --mount-point "$MP"
check_output_contains "not a block device" 'is not a block device' sk -y init-new \
  --virgin /tmp/st/state.json --scratch "$SCRATCH" --ramdisk "$RAMDISK" --mount-point "$MP"
check_output_contains "granularity check" 'multiple of 512' sk -y init-new --virgin "$VIRGIN" \
  --scratch "$SCRATCH" --ramdisk "$RAMDISK" --mount-point "$MP" --granularity 1000
check_output_contains "non-root refused" 'requires root privileges' \
  setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=$SK_BIN "$SCHELK" --state-path /tmp/x.json mount
