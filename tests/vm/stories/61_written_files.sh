#!/usr/bin/env bash
# DRAFT (not yet run in the VM): issue 11 `written --files` on the real kernel. Files written in
# phases, part of one overwritten, many small files, a baseline file overwritten then deleted;
# `written --files --json` while mounted (FIEMAP + libext2fs on the era device) checked against
# filefrag, then `recover --map-files` and `written --run last --files --json` (libext2fs on
# scratch before the copy back) checked against the live answer and debugfs.
# vm: --disk-mib 256 --ram-mib 64
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/10_schelk_helpers.bash"
need_schelk

# fiemap_bytes FILE: bytes of FILE's extents as filefrag reports them (4 KiB units).
# Its -v lines: "   0:   0..  767:   34816..   35583:   768:   last,eof".
fiemap_bytes() { filefrag -b4096 -v "$1" | awk '/^ *[0-9]+:/ {split($0, f, ":"); len += f[4]} END {print len * 4096}'; }

step "a baseline with one file"
check "init-new" sk_init
check "mount" sk mount
dd if=/dev/urandom of=$MP/base.bin bs=1M count=2 conv=fsync status=none
check "promote the file into the baseline" sk -y promote
check "mount" sk mount

step "a run in phases"
check "mark load" sk mark load
mkdir -p $MP/db $MP/many
dd if=/dev/urandom of=$MP/db/a.bin bs=1M count=3 conv=fsync status=none
dd if=/dev/urandom of=$MP/db/b.bin bs=1M count=1 conv=fsync status=none
for i in $(seq 1 300); do head -c 4096 /dev/urandom >$MP/many/f$i; done
check "mark update" sk mark update
# 256 KiB of a.bin in place, 512 KiB of the baseline file, then that file deleted.
dd if=/dev/urandom of=$MP/db/a.bin bs=64K count=4 seek=8 conv=notrunc,fsync status=none
dd if=/dev/urandom of=$MP/base.bin bs=64K count=8 conv=notrunc,fsync status=none
rm $MP/base.bin
sync

step "written --files while mounted"
skj live written --files
check_eq "written --files (live) exits 0" 0 "$rc"
json_check "live: FIEMAP files and libext2fs static metadata" $J/live.json \
  "d['files_source'] == 'fiemap+libext2fs' and \
   {f['path']: f['bytes'] for f in d['files']}.get('/db/a.bin') == 3 << 20 and \
   {f['path']: f['bytes'] for f in d['files']}.get('/db/b.bin') == 1 << 20 and \
   sum(1 for f in d['files'] if f['path'].startswith('/many/') and f['bytes'] == 4096) == 300 and \
   not any(f['path'] == '/base.bin' for f in d['files'])"
json_check "live: the deleted file's overwritten bytes are unattributed" $J/live.json \
  "d['unattributed_bytes'] >= 512 << 10"
json_check "live: journal and inode tables were written" $J/live.json \
  "{m['kind']: m['bytes'] for m in d['metadata']}['journal'] > 0 and \
   {m['kind']: m['bytes'] for m in d['metadata']}['inode_table'] > 0"
json_check "live: the parts add up" $J/live.json \
  "sum(f['bytes'] for f in d['files']) + d['files_omitted']['bytes'] + \
   sum(m['bytes'] for m in d['metadata']) + d['unattributed_bytes'] == d['bytes']"
check_eq "a.bin: FIEMAP's extents (filefrag) are all written" "$((3 << 20))" "$(fiemap_bytes $MP/db/a.bin)"
skj since written --files --since update
json_check "--since update: a.bin's overwritten 256 KiB only" $J/since.json \
  "{f['path']: f['bytes'] for f in d['files']}.get('/db/a.bin') == 256 << 10 and \
   '/db/b.bin' not in {f['path'] for f in d['files']}"

step "recover --map-files, then written --run last --files"
# The oracle before the copy back erases it: debugfs on the era device after unmount is not
# possible (recover removes it), so compare with the live answer taken above.
skj recover recover --map-files
check_eq "recover --map-files exits 0" 0 "$rc"
check "the file map is kept beside the run" ls /tmp/st/history/*.files.json
skj past written --run last --files
json_check "past: libext2fs on scratch before the copy" $J/past.json \
  "d['files_source'] == 'libext2fs' and \
   {f['path']: f['bytes'] for f in d['files']}.get('/db/a.bin') == 3 << 20 and \
   {f['path']: f['bytes'] for f in d['files']}.get('/db/b.bin') == 1 << 20 and \
   sum(1 for f in d['files'] if f['path'].startswith('/many/')) == 300 and \
   {m['kind']: m['bytes'] for m in d['metadata']}['directory'] > 0 and \
   d['unattributed_bytes'] >= 512 << 10"
check_output_contains "the text lists the files" '/db/a.bin' sk written --run last --files
check_same_bytes "identical after the copy back" "$VIRGIN" "$SCRATCH"
check "mount" sk mount
check "recover without --map-files" sk recover
skj nomap written --run last --files
check_eq "a run without --map-files: written --files fails" 1 "$rc"
check "and says how to get a map" grep -q 'recorded no file map' $J/nomap.err
