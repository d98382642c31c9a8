#!/usr/bin/env bash
# Builds (once, then cached) what the test VM boots: Debian 12's kernel with its module tree
# (depmod'ed) and a busybox initramfs holding the guest init and the modules it loads first.
# Usage: tests/vm/lib/build-image.sh   (prints the cache directory on stdout)
# Env: SCHELK_VM_CACHE (default /var/cache/schelk-vm), SCHELK_VM_KERNEL_PKG (default: whatever
# linux-image-amd64 depends on).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SCHELK_VM_CACHE:-/var/cache/schelk-vm}
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9   # several worktrees / runs may share the cache

log() { echo "build-image: $*" >&2; }

# --- kernel and modules -------------------------------------------------------------------------
if [ ! -f "$cache/kernel/.done" ]; then
  pkg=${SCHELK_VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}')}
  [ -n "$pkg" ] || { log "cannot find the versioned linux-image package (apt-get update?)"; exit 1; }
  log "downloading $pkg"
  rm -rf "$cache/kernel" "$cache/dl"
  mkdir -p "$cache/dl" "$cache/kernel"
  (cd "$cache/dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
    { log "apt-get download $pkg failed"; exit 1; }
  dpkg-deb -x "$cache"/dl/*.deb "$cache/kernel"
  rm -rf "$cache/dl"
  kver=$(ls "$cache/kernel/lib/modules")
  depmod -b "$cache/kernel" "$kver"
  echo "$kver" >"$cache/kernel/.done"
fi
kver=$(cat "$cache/kernel/.done")
kroot=$cache/kernel

# --- initramfs ------------------------------------------------------------------------------------
# Modules the init loads before it can reach the host root (the rest load from the full tree
# once it is bind-mounted into the chroot, but the init loads the test ones too).
mods="virtio_pci 9pnet_virtio 9p overlay nvme brd loop dm-mod dm-era dm-flakey ext4 crc32c_intel"
key=$( (cat "$here/guest-init.sh"; echo "$mods $kver"; sha256sum /bin/busybox) | sha256sum | cut -c1-16)
if [ ! -f "$cache/initramfs-$key.cpio.gz" ]; then
  log "building initramfs $key"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"/{bin,sbin,dev,proc,sys,mnt,newroot,lib/modules,run,tmp}
  cp /bin/busybox "$tmp/bin/busybox"
  for a in sh mount umount mkdir insmod modprobe sleep cat echo poweroff chroot ln ls mknod \
           switch_root grep sed tee sync dmesg uname tr cut head cp; do
    ln -s busybox "$tmp/bin/$a"
  done
  # Ordered insmod list with dependencies first, resolved by the host's kmod on the tree.
  : >"$tmp/modules.list"
  for m in $mods; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" | awk '$1=="insmod" {print $2}' |
    while read -r ko; do
      rel=${ko#"$kroot"/lib/modules/"$kver"/}
      base=$(basename "$ko")
      if ! grep -qx "$base" "$tmp/modules.list"; then
        cp "$ko" "$tmp/lib/modules/$base"
        echo "$base" >>"$tmp/modules.list"
      fi
      : "$rel"
    done
  done
  cp "$here/guest-init.sh" "$tmp/init"
  chmod +x "$tmp/init"
  echo "$kver" >"$tmp/kver"
  (cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initramfs-$key.cpio.gz.tmp"
  mv "$cache/initramfs-$key.cpio.gz.tmp" "$cache/initramfs-$key.cpio.gz"
fi
echo "KVER=$kver"
echo "KERNEL=$kroot/boot/vmlinuz-$kver"
echo "INITRAMFS=$cache/initramfs-$key.cpio.gz"
echo "MODTREE=$kroot/lib/modules/$kver"
