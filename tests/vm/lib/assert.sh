# Assertions for VM story scripts (source it). Each check prints one line,
# `PASS: <story>: <msg>` or `FAIL: <story>: <msg>` followed by the command's output, indented.
# At exit the story prints its tally and exits non-zero if anything failed (or nothing passed).
# Also: `step MSG` (timestamped progress), `dm ...` (dmsetup without udev), `need_schelk`.

STORY=${STORY:-$(basename "${0%.sh}")}
_passed=0
_failed=0
_story_t0=$(date +%s.%N)

elapsed() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN {print t1 - t0}'; }

pass() { _passed=$((_passed + 1)); echo "PASS: $STORY: $*"; }
fail() { _failed=$((_failed + 1)); echo "FAIL: $STORY: $*"; }
skip() { echo "SKIP: $STORY: $*"; }
_indent() { sed 's/^/    | /' | head -n "${ASSERT_MAX_LINES:-40}"; }

# check MSG CMD...: CMD must exit 0.
check() {
  local msg=$1 out rc; shift
  out=$("$@" 2>&1) && rc=0 || rc=$?
  if [ "$rc" = 0 ]; then pass "$msg"; else fail "$msg (exit $rc: $*)"; printf '%s\n' "$out" | _indent; fi
  return "$rc"
}

# check_fails MSG CMD...: CMD must exit non-zero (and not be killed by a signal).
check_fails() {
  local msg=$1 out rc; shift
  out=$("$@" 2>&1) && rc=0 || rc=$?
  if [ "$rc" != 0 ] && [ "$rc" -lt 128 ]; then pass "$msg"; return 0; fi
  fail "$msg (expected failure, got exit $rc: $*)"; printf '%s\n' "$out" | _indent
  return 1
}

# check_output_contains MSG ERE CMD...: CMD's output (stdout+stderr) must match ERE.
# Exit status is not checked (use check for that).
check_output_contains() {
  local msg=$1 re=$2 out rc; shift 2
  out=$("$@" 2>&1) && rc=0 || rc=$?
  if printf '%s\n' "$out" | grep -Eq -- "$re"; then pass "$msg"; return 0; fi
  fail "$msg (output of '$*' (exit $rc) lacks /$re/)"; printf '%s\n' "$out" | _indent
  return 1
}

# check_eq MSG EXPECTED ACTUAL (a diff is shown when either is long or has several lines)
check_eq() {
  if [ "$2" == "$3" ]; then pass "$1"; return 0; fi
  if [ ${#2} -gt 120 ] || [ ${#3} -gt 120 ] || [[ "$2$3" == *$'\n'* ]]; then
    fail "$1 (expected vs got:)"
    diff -u <(printf '%s\n' "$2" | tr ' ' '\n') <(printf '%s\n' "$3" | tr ' ' '\n') | tail -n +3 | _indent
  else
    fail "$1 (expected '$2', got '$3')"
  fi
  return 1
}

# check_same_bytes MSG A B [BYTES]: files/devices byte-identical (first BYTES if given).
# Reads with O_DIRECT-free cmp: drop caches first so block devices are read from the device.
check_same_bytes() {
  local msg=$1 a=$2 b=$3 n=${4:-} out rc
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  if [ -n "$n" ]; then out=$(cmp -n "$n" "$a" "$b" 2>&1) && rc=0 || rc=$?
  else out=$(cmp "$a" "$b" 2>&1) && rc=0 || rc=$?; fi
  if [ "$rc" = 0 ]; then pass "$msg"; return 0; fi
  fail "$msg ($a vs $b)"; printf '%s\n' "$out" | _indent
  return 1
}

# check_differ_bytes MSG A B: files/devices differ somewhere (guards against vacuous compares).
check_differ_bytes() {
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  if cmp -s "$2" "$3"; then fail "$1 ($2 and $3 are identical)"; return 1; fi
  pass "$1"
}

step() { printf '[%6.1fs] %s\n' "$(elapsed "$_story_t0")" "$*"; }

# dmsetup without udev (none runs in the VM): no udev sync, nodes made by hand.
dm() { dmsetup --noudevsync "$@"; }

# need_schelk: fail the story (not hang or error obscurely) when build/schelk is missing.
need_schelk() {
  if [ ! -x "${SCHELK:-}" ]; then fail "schelk binary present (${SCHELK:-SCHELK unset})"; exit 1; fi
}

# copy_direct DEV FILE [MIB]: copies a metadata device (whole, or its first MIB MiB) with O_DIRECT,
# the only way to see what the kernel wrote (buffered reads are stale). The kernel's metadata
# allocator reaches far into the device (block 1084 after a few hundred writes), so copy it all.
copy_direct() {
  if [ -n "${3:-}" ]; then dd if="$1" of="$2" bs=1M count="$3" iflag=direct status=none
  else dd if="$1" of="$2" bs=1M iflag=direct status=none; fi
}

# xml_blocks: era_invalidate XML on stdin -> one block number per line, ascending (0.9 writes
# `end = "N"`, 1.x `end="N"`; ranges are half-open).
xml_blocks() {
  sed -n 's/.*<range begin *= *"\([0-9]*\)" end *= *"\([0-9]*\)".*/\1 \2/p;
          s/.*<block block *= *"\([0-9]*\)".*/\1/p' |
    awk 'NF==2 {for (b = $1; b < $2; b++) print b; next} {print}' | sort -n
}

# as_loop FILE: prints a loop device backed by FILE. Tools that open with O_DIRECT (both
# thin-provisioning-tools) cannot open files on tmpfs/overlay in this kernel; a loop device works.
as_loop() { losetup -f --show "$1"; }

_assert_finish() {
  local rc=$?
  printf 'STORY %s: %d passed, %d failed (%.1fs)\n' "$STORY" "$_passed" "$_failed" \
    "$(elapsed "$_story_t0")"
  if [ "$_failed" -gt 0 ] || [ "$_passed" = 0 ]; then exit 1; fi
  exit "$rc"
}
trap _assert_finish EXIT
