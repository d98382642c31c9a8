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
# The transport tests (tests/transport/run.sh): an sshd of their own, rclone, Debian's aws CLI,
# jq (the fleet recipe reads status --json), and s3rver from npm as the S3-compatible server.
apt-get install -y -qq --no-install-recommends openssh-server openssh-client rclone awscli jq \
  >/dev/null
# The machine's Node.js brings npm; Debian's nodejs and npm where it has none.
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
if ! command -v s3rver >/dev/null || [ "$(s3rver --version)" != 3.7.1 ]; then
  npm install -g --silent s3rver@3.7.1 >/dev/null
fi
# libFuzzer and the sanitizer runtimes for clang (only "Recommended" by clang, so not pulled in
# with --no-install-recommends): needed by tests/fuzz/run.sh.
apt-get install -y -qq --no-install-recommends libclang-rt-14-dev >/dev/null
