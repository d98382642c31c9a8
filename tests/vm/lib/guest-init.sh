#!/bin/sh
# The test VM's /init (busybox sh): loads the modules, builds a writable root from the host's
# root (9p, read-only) under a tmpfs overlay, runs the requested script in a chroot with bash,
# reports its exit status on the console and in the shared run directory, then powers off.
PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 1 >/proc/sys/kernel/printk
say() { echo "vm-init: $*" >/dev/console; }
die() { say "FATAL: $*"; echo "SCHELK_VM_RESULT=init-failed" >/dev/console; sync; poweroff -f; sleep 10; }

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | head -n1; }
rd_kib=$(arg schelk_rd_kib); rd_kib=${rd_kib:-65536}

while read -r ko; do
  params=
  case $ko in brd.ko) params="rd_nr=1 rd_size=$rd_kib max_part=0" ;; esac
  # shellcheck disable=SC2086
  insmod /lib/modules/$ko $params 2>/dev/null || say "insmod $ko failed"
done </modules.list

mkdir -p /mnt/lower /mnt/rw
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /mnt/lower ||
  die "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
# /tmp stays the host's (under the overlay) so scripts there can run; /run is fresh.
if ! mount -t overlay overlay \
     -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot 2>/dev/null; then
  say "overlay over 9p refused; using the read-only root with tmpfs on writable dirs"
  mount -o bind /mnt/lower /newroot
  for d in /tmp /run /var/lib /var/tmp /var/log /mnt /root /media /srv; do
    [ -d /newroot$d ] && mount -t tmpfs tmpfs /newroot$d
  done
fi
R=/newroot
mount -o bind /dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm 2>/dev/null
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t tmpfs -o mode=0755 tmpfs $R/run
mkdir -p $R/run/vmrun $R/run/lock $R/var/lib/schelk
mount -t 9p -o trans=virtio,version=9p2000.L,rw,msize=262144,cache=none vmrun $R/run/vmrun ||
  die "cannot mount the run directory over 9p"
kver=$(cat /kver)
if [ -f "$R/run/vmrun/modtree" ]; then
  mt=$(cat $R/run/vmrun/modtree)
  mkdir -p $R/lib/modules/$kver && mount -o bind,ro $R$mt $R/lib/modules/$kver
fi

# Emulated NVMe disks probe asynchronously: name them by serial, not by probe order.
i=0
while :; do
  n=0
  for s in /sys/block/nvme*; do [ -e "$s" ] && n=$((n+1)); done
  [ "$n" -ge 2 ] && break
  i=$((i+1)); [ $i -gt 200 ] && die "NVMe disks did not appear"
  sleep 0.05
done
for s in /sys/block/nvme*; do
  serial=$(cat "$s/device/serial" | tr -d ' ')
  case $serial in
    virgin) VIRGIN=/dev/${s##*/} ;;
    scratch) SCRATCH=/dev/${s##*/} ;;
  esac
done
[ -n "$VIRGIN" ] && [ -n "$SCRATCH" ] || die "cannot tell the NVMe disks apart"
[ -b /dev/ram0 ] || die "no /dev/ram0"

{
  echo "export VIRGIN=$VIRGIN SCRATCH=$SCRATCH RAMDISK=/dev/ram0 VM_KERNEL=$kver"
  echo "export VM_OUT=/run/vmrun/out"
} >$R/run/vmrun/guest.env
mkdir -p $R/run/vmrun/out
say "ready: kernel $kver virgin=$VIRGIN scratch=$SCRATCH ramdisk=/dev/ram0 ($rd_kib KiB)"
echo SCHELK_VM_BEGIN >/dev/console
chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=dumb LANG=C.UTF-8 /bin/bash -c '
    . /run/vmrun/host.env; . /run/vmrun/guest.env
    cd "$VM_CWD" || exit 125
    bash "$VM_SCRIPT" "${VM_ARGS[@]}"
    echo $? >/run/vmrun/status' vm-script 2>&1 | tee $R/run/vmrun/output.log >/dev/console
rc=$(cat $R/run/vmrun/status 2>/dev/null)
echo "SCHELK_VM_RESULT=${rc:-no-status}" >/dev/console
sync
umount $R/run/vmrun 2>/dev/null
poweroff -f
