# Helpers for the discard stories (tests/vm/stories/5x_*.sh; source after assert.sh): a virgin
# ext4 with baseline files, schelk with a private state, and the discard attempts that must fail
# while dm-era tracks scratch.

MP=/tmp/schelk-mp
ST=/tmp/st/state.json
sk() { "$SCHELK" --state-path "$ST" "$@"; }

# era_sysfs NAME: /sys/block/dm-N of the dm device NAME.
era_sysfs() { echo "/sys/block/dm-$(dm info -c --noheadings -o minor "${1:-bench_era}" | tr -d ' ')"; }
era_discard_max() { cat "$(era_sysfs "${1:-bench_era}")/queue/discard_max_bytes"; }

# The scratch disk must really deallocate discarded ranges (QEMU discard=unmap), or a story could
# pass with discards getting through: write data, discard it on the raw disk, read back zeros.
check_scratch_deallocates() {
  local dev; dev=$(basename "$SCRATCH")
  check "scratch disk advertises discards (discard_max_bytes > 0)" \
    test "$(cat /sys/block/$dev/queue/discard_max_bytes)" -gt 0
  dd if=/dev/urandom of="$SCRATCH" bs=1M count=4 seek=8 oflag=direct status=none
  blkdiscard -f -o $((8 << 20)) -l $((4 << 20)) "$SCRATCH"
  check_eq "a raw discard on scratch deallocates (reads back zeros)" \
    "$(head -c $((4 << 20)) /dev/zero | sha256sum)" \
    "$(dd if="$SCRATCH" bs=1M count=4 skip=8 iflag=direct status=none | sha256sum)"
}

# make_baseline_virgin: ext4 on virgin with 48 MiB of random baseline files (the ones a benchmark
# will delete), unmounted again. Their checksums go to /tmp/baseline.sha256.
make_baseline_virgin() {
  mkfs.ext4 -q -F "$VIRGIN" >/dev/null
  mkdir -p /tmp/vmp && mount "$VIRGIN" /tmp/vmp
  for i in 1 2 3; do dd if=/dev/urandom of=/tmp/vmp/base$i bs=1M count=16 status=none; done
  mkdir -p /tmp/vmp/dir && seq 1 20000 >/tmp/vmp/dir/numbers
  (cd /tmp/vmp && sha256sum base1 base2 base3 dir/numbers) >/tmp/baseline.sha256
  umount /tmp/vmp
}

# baseline_intact: the baseline files at $MP have their original contents.
baseline_intact() { (cd "$MP" && sha256sum -c --quiet /tmp/baseline.sha256); }

# benchmark_with_discards: what a trimming benchmark does on the mounted era device: delete the
# baseline files, write new ones, fstrim, raw discards (with -f: no O_EXCL, so while mounted).
# Every discard must be refused; the dm device's discard limit must stay 0.
benchmark_with_discards() {
  local era=/dev/mapper/bench_era
  check_eq "era device: discard_max_bytes is 0 while tracking" 0 "$(era_discard_max)"
  rm -f "$MP"/base1 "$MP"/base2 "$MP"/dir/numbers
  dd if=/dev/urandom of="$MP"/new1 bs=1M count=4 status=none
  sync
  check_fails "fstrim on the tracked filesystem fails" fstrim -v "$MP"
  check_output_contains "fstrim says discard is not supported" 'not supported' fstrim -v "$MP"
  check_fails "raw blkdiscard of the era device fails" blkdiscard -f "$era"
  check_output_contains "raw blkdiscard of the era device: EOPNOTSUPP" 'Operation not supported' \
    blkdiscard -f -o $((16 << 20)) -l $((32 << 20)) "$era"
  step "suspend/resume keeps discards off"
  dm suspend bench_era && dm resume bench_era
  check_eq "discard_max_bytes still 0 after suspend/resume" 0 "$(era_discard_max)"
  check_output_contains "blkdiscard still EOPNOTSUPP after suspend/resume" \
    'Operation not supported' blkdiscard -f "$era"
  rm -f "$MP"/base3
  sync
  check_output_contains "fstrim still not supported after suspend/resume" 'not supported' \
    fstrim -v "$MP"
  check_output_contains "status says discards are off" 'Discards: off' sk status
  check_output_contains "status --json: discards_disabled true" '"discards_disabled":true' \
    sk status --json
}
