# (sourced by the benchmark scripts, after setting $root) The defaults: the build's binaries,
# 4 GiB, best of 3.
schelk=${SCHELK:-$root/build/schelk}
gen=${COPY_BENCH:-$root/build/tests/bench/copy_bench}
size_gib=4
repeats=3
# bench_parse_args USAGE [--loop allowed: 1|0] ARGS...: sets
# size_gib, repeats, dir (and use_loop for --loop) from the command line, with the caller's
# defaults kept; bench_require_built EXECUTABLE...: each must exist (build first).
bench_parse_args() {
  local usage=$1 loop_allowed=$2
  shift 2
  while [[ $# -gt 0 ]]; do
    case $1 in
      --loop) [[ $loop_allowed == 1 ]] || { echo "$usage" >&2; exit 2; }; use_loop=1 ;;
      --size) size_gib=$2; shift ;;
      --repeats) repeats=$2; shift ;;
      --dir) dir=$2; shift ;;
      *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
  done
}

bench_require_built() {
  local tool
  for tool in "$@"; do
    [[ -x $tool ]] || { echo "missing $tool: build first" >&2; exit 1; }
  done
}
