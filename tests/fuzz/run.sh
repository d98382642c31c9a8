#!/usr/bin/env bash
# Fuzzes, with libFuzzer + ASan/UBSan, for SECONDS each (default 40, so 2 minutes in all):
#   era_metadata_fuzz  the dm-era metadata parser (seeds: blocks of the fixture images)
#   era_xml_fuzz       era_restore's era_dump XML reader (seeds: the fixture dumps and xmlcases)
#   block_list_fuzz    copy/verify --blocks lists (seeds: era_invalidate captures, BEGIN END lines)
# Builds build-fuzz/ with clang and exits non-zero on the first crash.
# Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-40}
# SCHELK_WERROR=OFF: clang warns about things GCC (the CI compiler) does not; a fuzz run is not
# the place to fail on them.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSCHELK_FUZZ=ON -DSCHELK_TESTS=ON -DSCHELK_WERROR=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target era_metadata_fuzz era_xml_fuzz block_list_fuzz -j"${FUZZ_JOBS:-2}"
corpus=build-fuzz/fuzz-corpus
mkdir -p "$corpus"/metadata "$corpus"/era_xml "$corpus"/block_list

# Seeds: the used blocks of small fixtures, with byte 0 of each block turned into the harness's
# checksum tag (see era_metadata_fuzz.cpp), so the seeds start out valid.
python3 tests/fuzz/make_seeds.py fixtures/era "$corpus"/metadata
# The captures in fixtures/era/expected end with the tool's "exit=N" line: cut it off.
strip_exit() { sed 's/exit=[0-9]*$//' "$1" > "$2"; }
cp fixtures/era/*.xml fixtures/era/xmlcases/*.xml "$corpus"/era_xml/
for f in fixtures/era/expected/*era_dump*.xml; do strip_exit "$f" "$corpus/era_xml/$(basename "$f")"; done
for f in fixtures/era/expected/*.inv*.xml; do strip_exit "$f" "$corpus/block_list/$(basename "$f")"; done
printf '0 6\n7 12\n# comment\n15 16\n' > "$corpus"/block_list/lines.txt
printf '\xEF\xBB\xBF<blocks>\n  <range begin="1" end="4"></range>\n  <!-- <block block="2"/> -->\n</blocks>\n' \
  > "$corpus"/block_list/bom.xml

run() {
  local target=$1 dir=$2
  shift 2
  echo "== $target ($seconds s)"
  "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/$target-" "$@" "$corpus/$dir"
}
run era_metadata_fuzz metadata -max_len=65536
run era_xml_fuzz era_xml -max_len=65536 -dict=tests/fuzz/xml.dict
run block_list_fuzz block_list -max_len=16384 -dict=tests/fuzz/xml.dict
