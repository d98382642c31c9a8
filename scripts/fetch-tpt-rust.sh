#!/usr/bin/env bash
# Fetches Debian trixie's thin-provisioning-tools (the Rust 1.x era tools, a test oracle and
# benchmark peer) with `apt-get download` against a PRIVATE sources list and state, and unpacks
# it with dpkg-deb -x. Never installs anything and never touches the system's apt state.
# Result: $DEST/usr/sbin/pdata_tools (multi-call: `pdata_tools era_invalidate ...`).
# Usage: scripts/fetch-tpt-rust.sh [DEST]   (default $SCHELK_TPT_RUST_DIR or /var/cache/schelk/tpt-rust)
# Idempotent: does nothing when the binary is already there. Prints the binary's path.
set -euo pipefail

dest=${1:-${SCHELK_TPT_RUST_DIR:-/var/cache/schelk/tpt-rust}}
bin=$dest/usr/sbin/pdata_tools
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc/apt/sources.list.d" "$work/etc/apt/preferences.d" "$work/state/lists/partial" \
  "$work/cache/archives/partial" "$work/dl"
touch "$work/state/status"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
for k in /usr/share/keyrings/debian-archive-trixie-stable.gpg /usr/share/keyrings/debian-archive-keyring.gpg; do
  if [ -r "$k" ]; then keyring=$k; break; fi
done
# The Debian archive this machine already uses (the site serving its own release's main
# component), so no host name is written here: a mirror configured in apt is used as it is.
. /etc/os-release
archive=$(apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' |
  awk -v rel="${VERSION_CODENAME:-bookworm}" '$2 == rel && $3 == "main" { print $1; exit }')
if [ -z "$archive" ]; then
  echo "fetch-tpt-rust.sh: no Debian archive for '${VERSION_CODENAME:-?}' main in apt's sources;" \
    "run 'apt-get update' (or add the Debian archive to /etc/apt/sources.list.d)" >&2
  exit 1
fi
echo "deb [signed-by=$keyring] $archive trixie main" >"$work/etc/apt/sources.list"

apt_opts=(
  -o "Dir::Etc::SourceList=$work/etc/apt/sources.list"
  -o "Dir::Etc::SourceParts=$work/etc/apt/sources.list.d"
  -o "Dir::Etc::Preferences=$work/etc/apt/preferences"
  -o "Dir::Etc::PreferencesParts=$work/etc/apt/preferences.d"
  -o "Dir::State=$work/state"
  -o "Dir::State::Status=$work/state/status"
  -o "Dir::Cache=$work/cache"
  -o "APT::Architecture=$(dpkg --print-architecture)"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)

apt-get "${apt_opts[@]}" -qq update >&2
(cd "$work/dl" && apt-get "${apt_opts[@]}" -qq download thin-provisioning-tools >&2)
deb=$(ls "$work"/dl/thin-provisioning-tools_*.deb)
mkdir -p "$dest"
dpkg-deb -x "$deb" "$dest"
if [ ! -x "$bin" ]; then
  echo "fetch-tpt-rust.sh: $deb has no usr/sbin/pdata_tools" >&2
  exit 1
fi
echo "$(basename "$deb")" >"$dest/VERSION"
echo "$bin"
