#!/usr/bin/env bash
# What `cmake --install` does (cmake/SchelkInstall.cmake), on a built binary and a scratch prefix:
# the binary installed stripped with its debug info under lib/debug/.build-id; no era_* links by
# default; with -DSCHELK_INSTALL_ERA_LINKS=ON the four links, listed in install_manifest.txt,
# reinstallable over themselves, and an install that fails, replacing nothing, when a file it did
# not create has one of their names. Configures its own build directory without compiling: the
# binary under test is copied in. Needs cmake and binutils (readelf).
# Usage: tests/package/install_test.sh SCHELK_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=$(realpath "${1:?usage: install_test.sh SCHELK_BINARY}")
work=$(mktemp -d /tmp/schelk-install-test-XXXXXX)
trap 'rm -rf "$work"' EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../support/check.sh"

# configure DIR [CMAKE ARGS...]: a build directory holding the binary under test.
configure() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCHELK_TESTS=OFF "$@" >"$work/configure.log" ||
    { cat "$work/configure.log"; exit 1; }
  cp "$binary" "$dir/schelk"
}

# Default: no links.
configure "$work/build"
cmake --install "$work/build" --prefix "$work/default" >"$work/install.log"
installed=$work/default/sbin/schelk
check "schelk installed and runs" "$installed" -V
check "installed binary has no symbols or debug info" \
  bash -c "! readelf -S '$installed' | grep -qE '\\.(symtab|debug_info)'"
check "installed binary is smaller than the build's" \
  test "$(stat -c %s "$installed")" -lt "$(stat -c %s "$binary")"
build_id=$(readelf -n "$installed" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
debug_file=$work/default/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug
check "debug info installed under lib/debug/.build-id by the binary's build id" \
  bash -c "readelf -S '$debug_file' 2>/dev/null | grep -q '\\.debug_info'"
check "debug link names that file" \
  bash -c "readelf --string-dump=.gnu_debuglink '$installed' | grep -q '${build_id:2}.debug'"
for file in share/man/man8/schelk.8 share/bash-completion/completions/schelk \
            share/zsh/vendor-completions/_schelk; do
  check "$file installed and in install_manifest.txt" \
    bash -c "test -s '$work/default/$file' && grep -qx '$work/default/$file' '$work/build/install_manifest.txt'"
done
check "the installed man page is the binary's" \
  cmp -s "$work/default/share/man/man8/schelk.8" <("$binary" --man)
check "no era_* links without SCHELK_INSTALL_ERA_LINKS" \
  bash -c "! ls '$work/default/sbin' | grep -q era_"

# With the links.
configure "$work/build" -DSCHELK_INSTALL_ERA_LINKS=ON
prefix=$work/links
cmake --install "$work/build" --prefix "$prefix" >"$work/install.log"
for tool in era_check era_dump era_invalidate era_restore; do
  check "$tool is a link to schelk" test "$(readlink "$prefix/sbin/$tool")" = schelk
  check "$tool is in install_manifest.txt" grep -qx "$prefix/sbin/$tool" "$work/build/install_manifest.txt"
done
check "era_dump link runs the era tool" bash -c "'$prefix/sbin/era_dump' -V | grep -qx '[0-9.]*'"
check "reinstalling over its own links works" \
  cmake --install "$work/build" --prefix "$prefix" >"$work/install.log"

# A foreign era_dump (thin-provisioning-tools' is a link to pdata_tools) is never replaced.
fresh=$work/foreign
mkdir -p "$fresh/sbin"
ln -s pdata_tools "$fresh/sbin/era_dump"
if cmake --install "$work/build" --prefix "$fresh" >"$work/foreign.log" 2>&1; then
  check "install over a foreign era_dump fails" false
else
  check "install over a foreign era_dump fails" true
fi
# (CMake wraps the message's lines.)
check "the failure names the file and the way out" bash -c "tr -s ' \n' ' ' <'$work/foreign.log' |
  grep -q '$fresh/sbin/era_dump exists and was not installed by schelk .*SCHELK_INSTALL_ERA_LINKS=OFF'"
check "the foreign era_dump is untouched" test "$(readlink "$fresh/sbin/era_dump")" = pdata_tools
check "no link was made beside it" bash -c "! ls '$fresh/sbin' | grep -qE 'era_(check|invalidate|restore)'"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
