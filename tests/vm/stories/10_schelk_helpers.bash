# (sourced by the schelk workflow stories; not a story itself: not named *.sh)
# Helpers for the schelk workflow stories (source after assert.sh). schelk runs with a PATH that
# has mkfs.ext4 and coreutils but no dmsetup, era_invalidate or mount binary.
SK_BIN=/tmp/schelk-bin
mkdir -p $SK_BIN
for t in mkfs.ext4 mke2fs sh cat sleep; do
  p=$(command -v $t) && ln -sf "$p" $SK_BIN/$t
done
ln -sf "$SCHELK" $SK_BIN/schelk
SK_STATE=${SK_STATE:-/tmp/st/state.json}
MP=${MP:-/tmp/schelk-mp}
sk() { env PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE" "$@"; }
# sk_bg VAR=VALUE... ARGS...: schelk in the background with extra env; $pid is schelk itself.
sk_bg() {
  local envs=()
  while [ $# -gt 0 ] && [[ $1 == *=* ]]; do envs+=("$1"); shift; done
  env "${envs[@]}" PATH=$SK_BIN "$SCHELK" --state-path "$SK_STATE" "$@" &
  pid=$!
}
sk_init() { sk -y init-new --virgin "$VIRGIN" --scratch "$SCRATCH" --ramdisk "$RAMDISK" \
  --mount-point "$MP" "$@"; }

# wait_stopped PID: waits until PID is stopped (state T) or gone; returns 1 on timeout/gone.
wait_stopped() {
  local i
  for i in $(seq 1 600); do
    [ -r /proc/$1/stat ] || return 1
    [ "$(awk '{print $3}' /proc/$1/stat)" = T ] && return 0
    sleep 0.1
  done
  return 1
}

# Every SCHELK_TEST_STOP_AT point recover and promote pass through, in order.
STOP_POINTS="after-unmount after-take-snap after-journal after-drop after-remove mid-copy after-copy after-save"

# sk_init_baseline: init-new, then baseline files (base 4 MiB, base2 1 MiB) promoted onto virgin.
sk_init_baseline() {
  check "init-new" sk_init
  check "mount for the baseline files" sk mount
  dd if=/dev/urandom of=$MP/base bs=1M count=4 status=none
  dd if=/dev/urandom of=$MP/base2 bs=1M count=1 status=none; sync
  check "promote the baseline files" sk -y promote
  check_same_bytes "baseline promoted" "$VIRGIN" "$SCRATCH"
}

# kill_at_stop POINT WHAT LOG ARGS...: runs `schelk ARGS` in the background until it stops itself
# at test stop point POINT, then kills it with -9 there (PASS), or FAILs if it never gets there.
kill_at_stop() {
  local point=$1 what=$2 log=$3
  shift 3
  sk_bg SCHELK_TEST_STOP_AT=$point "$@" >"$log" 2>&1
  if wait_stopped $pid; then
    kill -9 $pid; wait $pid 2>/dev/null
    pass "[$point] $what stopped at the phase and was killed"
  else
    kill -9 $pid 2>/dev/null; wait $pid
    fail "[$point] $what never reached $point"; _indent <"$log"
  fi
}

# write_pattern N: a different mix of writes on $MP for cycle N.
write_pattern() {
  local n=$1
  case $((n % 5)) in
    0) dd if=/dev/urandom of=$MP/new$n bs=1M count=4 status=none ;;
    1) [ -f $MP/base ] && for off in 3 17 250 511; do
         dd if=/dev/urandom of=$MP/base bs=4k count=1 seek=$off conv=notrunc oflag=direct \
           status=none; done ;;
    2) rm -f $MP/base2 ;;
    3) fallocate -l 8M $MP/falloc$n ;;
    4) mkdir -p $MP/d$n && for i in $(seq 1 50); do echo "$n $i" >$MP/d$n/f$i; done
       dd if=/dev/urandom of=$MP/base bs=4k count=2 seek=100 conv=notrunc status=none ;;
  esac
  sync
}

# Where the stories keep the JSON objects they check.
J=/tmp/schelk-json-$STORY
mkdir -p "$J"
# skj NAME ARGS...: schelk ARGS --json; stdout to $J/NAME.json, the text to $J/NAME.err; sets rc.
skj() {
  local name=$1
  shift
  sk "$@" --json >"$J/$name.json" 2>"$J/$name.err" && rc=0 || rc=$?
}

# json_check MSG FILE EXPR: FILE holds one JSON object `d` for which the Python EXPR is true.
json_check() {
  local msg=$1 file=$2 expr=$3 out
  if out=$(/usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert eval(sys.argv[2], {"d": d}), "false: %s\n%s" % (sys.argv[2], json.dumps(d))
' "$file" "$expr" 2>&1); then pass "$msg"; else fail "$msg"; printf '%s\n' "$out" | _indent; fi
}
