#!/usr/bin/env bash
# `schelk written --files` against `debugfs icheck` + `ncheck` on the same written blocks (not a
# test; on the host, no root):
#   tests/bench/files_bench.sh [FILES] [IMAGE_GIB] [WRITTEN_BLOCKS] [SCHELK]
# defaults 100000 files, a 100 GiB sparse image, 20000 written 4 KiB blocks, build/schelk.
# The image: mke2fs -t ext4 -b 4096 -N FILES+16384 -d TREE over a sparse file, TREE holding FILES
# files of 1..8 KiB in directories of 1000 (making the tree takes most of the time: about 1 min
# for 100k files; FILES=1000000 takes several minutes and ~4 GiB of the host's disk for the tree).
# The written set: WRITTEN_BLOCKS random blocks among the first 1.5 x used blocks (where mke2fs -d
# put the data) and 200 anywhere, as dm-era metadata made by `schelk era_restore` from XML (era 2's
# writeset). Prints both times, their ratio, and peak RSS (/usr/bin/time -v).
set -euo pipefail
FILES=${1:-100000}
GIB=${2:-100}
NBLOCKS=${3:-20000}
SCHELK=$(realpath "${4:-build/schelk}")
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/files_bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
echo "files_bench: $FILES files, ${GIB} GiB sparse image, $NBLOCKS written blocks, in $WORK"

t0=$(date +%s.%N)
python3 - "$FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = "tree/d%04d" % (i // 1000)
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open("%s/f%07d" % (d, i), "wb") as f:
        f.write(b"x" * (1024 * (1 + i % 8)))
PY
t1=$(date +%s.%N)
mke2fs -q -F -t ext4 -b 4096 -N $((FILES + 16384)) -d tree img "${GIB}G"
t2=$(date +%s.%N)
rm -rf tree
echo "tree: $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s, mke2fs -d: $(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.1f", b - a}') s, image on disk: $(du -h img | cut -f1)"

TOTAL=$(dumpe2fs -h img 2>/dev/null | awk -F: '/^Block count/ {gsub(/ /, "", $2); print $2}')
FREE=$(dumpe2fs -h img 2>/dev/null | awk -F: '/^Free blocks/ {gsub(/ /, "", $2); print $2}')
USED=$((TOTAL - FREE))
python3 - "$TOTAL" "$USED" "$NBLOCKS" <<'PY'
import random, sys
total, used, n = map(int, sys.argv[1:])
rng = random.Random(7)
blocks = set()
while len(blocks) < n:
    blocks.add(rng.randrange(1, min(total, used * 3 // 2)))
while len(blocks) < n + 200:
    blocks.add(rng.randrange(1, total))
blocks = sorted(blocks)
open("blocks.txt", "w").write("\n".join(map(str, blocks)) + "\n")
with open("meta.xml", "w") as x:
    x.write('<superblock uuid="" block_size="8" nr_blocks="%d" current_era="2">\n' % total)
    x.write('  <writeset era="2" nr_bits="%d">\n' % total)
    for b in blocks:
        x.write('    <bit block="%d" value="true"/>\n' % b)
    x.write("  </writeset>\n  <era_array>\n  </era_array>\n</superblock>\n")
# debugfs: icheck in chunks (its argument list), then ncheck of what it found.
with open("icheck.cmd", "w") as c:
    for i in range(0, len(blocks), 1000):
        c.write("icheck " + " ".join(map(str, blocks[i:i + 1000])) + "\n")
PY
truncate -s $(((TOTAL / 8 + TOTAL * 4 + (64 << 20)) / 4096 * 4096)) meta.bin
ln -s "$SCHELK" era_restore
./era_restore -i meta.xml -o meta.bin

measure() {  # NAME COMMAND...: seconds and peak RSS
  /usr/bin/time -v -o "$1.time" "${@:2}" >"$1.out" 2>"$1.err" || true  # debugfs exits 1 on a not-found block
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f ", s}
              /Maximum resident set size/ {printf "%d\n", $2 / 1024}' "$1.time"
}
read -r S_SEC S_MIB < <(measure schelk "$SCHELK" written --metadata meta.bin --since 2 --files \
  --device img --json)
t3=$(date +%s.%N)
debugfs -f icheck.cmd img >icheck.out 2>/dev/null
awk '$2 ~ /^[0-9]+$/ {print $2}' icheck.out | sort -un >inodes.txt
{ printf 'ncheck'; tr '\n' ' ' <inodes.txt; echo; } >ncheck.cmd
t4=$(date +%s.%N)
read -r D_SEC D_MIB < <(measure debugfs_all sh -c 'debugfs -f icheck.cmd img; debugfs -f ncheck.cmd img')
python3 - <<PY
import json
j = json.load(open("schelk.out"))
files = len(j["files"]) + j["files_omitted"]["count"]
print("schelk: %d files, %d metadata bytes, %d unattributed bytes, %d written bytes" % (
    files, sum(m["bytes"] for m in j["metadata"]), j["unattributed_bytes"], j["bytes"]))
PY
echo "debugfs icheck: $(wc -l <inodes.txt) inodes own written blocks (files and directories)"
echo "RESULT schelk written --files: ${S_SEC} s, peak RSS ${S_MIB} MiB"
echo "RESULT debugfs icheck+ncheck: ${D_SEC} s, peak RSS ${D_MIB} MiB"
echo "RESULT ratio debugfs/schelk: $(awk -v a="$D_SEC" -v b="$S_SEC" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')"
