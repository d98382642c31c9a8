#!/usr/bin/env bash
# Installs everything schelk needs to build, test and run its VM tests on Debian 12.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "install-deps.sh: run as root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential cmake clang pkg-config git ca-certificates \
  liburing-dev libxxhash-dev libboost-program-options-dev libdevmapper-dev \
  libmount-dev libblkid-dev nlohmann-json3-dev catch2 libexpat1-dev libzstd-dev libext2fs-dev libpng-dev \
  thin-provisioning-tools e2fsprogs util-linux fio xxhash \
  qemu-system-x86 busybox-static cpio kmod zstd xz-utils gzip python3 bc man-db groff-base \
  >/dev/null
# libFuzzer and the sanitizer runtimes for clang (only "Recommended" by clang, so not pulled in
# with --no-install-recommends): needed by tests/fuzz/run.sh.
apt-get install -y -qq --no-install-recommends libclang-rt-14-dev >/dev/null
