#!/usr/bin/env bash
# The .deb installs and runs on a clean Debian 12: builds it with `cpack -G DEB` from a build
# directory, makes a fresh bookworm root with mmdebstrap from the Debian mirror this machine's apt
# uses (read from /etc/apt/sources.list*), runs `apt-get install ./schelk_*.deb` in it (so its
# Depends must resolve from the archive), then runs schelk there (chroot): -V, --help, and
# era-dump on a fixture, compared with thin-provisioning-tools 0.9's output for it.
# Needs root and the mirror; installs mmdebstrap, file and dpkg-dev (cpack's dpkg-shlibdeps) when
# missing. Takes about 2 minutes on a built tree (README, Packaging).
# Usage: tests/package/deb_test.sh [BUILD_DIR]   (default: build; configured and built if needed)
# Env: KEEP_ROOT=1 keeps the root directory for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
start=$(date +%s)
if [ "$(id -u)" != 0 ]; then echo "deb_test.sh: needs root (mmdebstrap, chroot)" >&2; exit 1; fi

. "$(dirname "${BASH_SOURCE[0]}")/../support/check.sh"

missing=()
for tool in mmdebstrap:mmdebstrap file:file dpkg-shlibdeps:dpkg-dev; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "=== installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The first bookworm (not -updates/-security) "deb" source apt is configured with, one-line or
# deb822 format; never a host name of our own.
bookworm_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush() { if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ &&
                                enabled != "no" && uri != "") { print uri; found = 1 }
                            types = suites = uri = enabled = "" }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); if (found) exit; next }
         tolower($1) == "types:" { types = substr($0, index($0, ":") + 1) }
         tolower($1) == "suites:" { suites = substr($0, index($0, ":") + 1) }
         tolower($1) == "uris:" { uri = $2 }
         tolower($1) == "enabled:" { enabled = tolower($2) }
         END { if (!found) flush() }' "$f"
  done
}
mirror=$(bookworm_mirror | head -n 1)
if [ -z "$mirror" ]; then
  echo "deb_test.sh: no bookworm source in /etc/apt/sources.list* to make a root from" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

work=$(mktemp -d /tmp/schelk-deb-test-XXXXXX)
root=$work/root
cleanup() {
  # --one-file-system: never into anything still mounted in the root (/proc, /dev binds).
  if [ "${KEEP_ROOT:-0}" = 1 ]; then echo "kept $root"; else rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT

echo "=== building the package ($build)"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log") || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/schelk_*.deb)
echo "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
t_package=$(date +%s)

echo "=== a fresh Debian 12 root (mmdebstrap, variant apt) and apt-get install ./$(basename "$deb")"
mkdir -p "$root"
# The hook runs while mmdebstrap has /proc, /dev and resolv.conf set up in the root.
mmdebstrap --mode=root --variant=apt --quiet \
  --customize-hook="copy-in $deb /tmp" \
  --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$(basename "$deb") >/dev/null" \
  --customize-hook="chroot \"\$1\" rm /tmp/$(basename "$deb")" \
  bookworm "$root" "$mirror" >"$work/mmdebstrap.log" 2>&1 ||
  { tail -n 30 "$work/mmdebstrap.log"; echo "0 passed, 1 failed"; exit 1; }
t_root=$(date +%s)

in_root() { chroot "$root" "$@"; }
version=$(in_root /usr/sbin/schelk -V)
echo "schelk -V: $version"
deb_version=$(dpkg-deb -f "$deb" Version)  # 0.2.0+ga55a9d5.dirty for "schelk 0.2.0 (a55a9d5-dirty)"
check "schelk -V prints the package's upstream version" \
  test "${version%% (*}" = "schelk ${deb_version%%+*}"
commit=$(sed -n 's/.*[ (-]g\{0,1\}\([0-9a-f]\{7,\}\)\(-dirty\)\{0,1\})$/\1/p' <<<"$version")
if [[ $deb_version == *+* ]]; then
  check "the package version carries the binary's commit ($commit)" \
    bash -c "[ -n '$commit' ] && [[ '$deb_version' == *'$commit'* ]]"
else  # built outside a git checkout: the project version alone
  check "no revision in either version" test "$version" = "schelk $deb_version"
fi
check "schelk --help lists the commands" \
  bash -c "chroot '$root' /usr/sbin/schelk --help | grep -q '^  recover '"
check "schelk is on PATH as a command in /usr/sbin" test -x "$root/usr/sbin/schelk"
check "schelk help recover shows the command's help" \
  bash -c "chroot '$root' /usr/sbin/schelk help recover | grep -q '^Exit status:'"
for file in usr/share/man/man8/schelk.8 usr/share/bash-completion/completions/schelk \
            usr/share/zsh/vendor-completions/_schelk; do
  check "the package installs /$file" test -s "$root/$file"
done
zcat fixtures/era/f1.bin.gz >"$root/tmp/f1.bin"
# The expected file is 0.9's stdout and stderr, then "exit=N" (fixtures/era/README.md).
status=0
in_root /usr/sbin/schelk era-dump /tmp/f1.bin >"$work/f1.out" 2>&1 || status=$?
echo "exit=$status" >>"$work/f1.out"
check "schelk era-dump of fixture f1 equals era_dump 0.9's" \
  cmp "$work/f1.out" fixtures/era/expected/f1.era_dump.0.9.xml
check "the dlopen'ed libraries came with Depends" \
  in_root dpkg-query -W libdevmapper1.02.1 libmount1 libblkid1
for lib in libdevmapper.so.1.02.1 libmount.so.1 libblkid.so.1; do
  check "$lib is where dlopen looks" bash -c "chroot '$root' ldconfig -p | grep -q '$lib '"
done
check "no era_* links in the package (they would clash with thin-provisioning-tools)" \
  bash -c "! ls '$root/usr/sbin' | grep -q '^era_'"

end=$(date +%s)
echo "times: package $((t_package - start)) s, root and install $((t_root - t_package)) s, total $((end - start)) s"
echo "deb test: $passed passed, $failed failed"
[ "$failed" = 0 ]
