// Checks and facts about the two volumes and the ramdisk: block-device checks, sizes, the
// same-device guard, the superblock hash, the ramdisk size formula and zeroing the ramdisk.
// These functions act on the paths they are given; the workflow reaches them only through
// VolumeOps (volume_ops.hpp). Errors: VolumeError for a failed precondition, std::system_error
// (base/errno.hpp) for a failed system call.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "base/sha256.hpp"

namespace schelk {

// A precondition about the volumes failed; nothing has been written.
class VolumeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Size in bytes: BLKGETSIZE64 for block devices, st_size for files.
uint64_t device_size(const std::string& path);
// "X is not a block device"; the path must open read-only.
void validate_block_device(const std::string& path);
// Same canonical path, or same device number (st_rdev), gives
// "Virgin and scratch must be different devices."
void reject_same_device(const std::string& virgin, const std::string& scratch);
// "Granularity must be greater than 0." / "... a multiple of 512 bytes (got N bytes)." and, as
// dm-era and O_DIRECT need, a multiple of 4096. Pure: touches no device.
void validate_granularity(uint64_t granularity);

// SHA-256 of the first 4096 bytes, read with O_DIRECT (dm writes bypass the page cache of the
// underlying device, so a buffered read could be stale).
base::Sha256Digest hash_superblock(const std::string& path);

// schelk's empirical ramdisk minimum for a volume of `volume_size` bytes in blocks of
// `granularity` bytes.
uint64_t ramdisk_min_size(uint64_t volume_size, uint64_t granularity);
uint64_t ramdisk_required_size(uint64_t volume_size, uint64_t granularity);  // min * 110%
uint64_t ramdisk_ideal_size(uint64_t volume_size, uint64_t granularity);     // min * 115% + 1 MiB
// The RAM disk size to ask for: the ideal size rounded up to whole MiB (brd's rd_size is in
// KiB, so it is always a whole number of KiB).
uint64_t ramdisk_suggested_size(uint64_t volume_size, uint64_t granularity);
// How to make a RAM disk big enough, with the suggested size in MiB (and GiB from 1 GiB up) and
// in brd's KiB: "needs 68 MiB: modprobe brd rd_nr=1 rd_size=69632",
// "needs 2100 MiB (2.05 GiB): modprobe brd rd_nr=1 rd_size=2150400".
std::string ramdisk_size_hint(uint64_t volume_size, uint64_t granularity);
// Throws VolumeError "RAM disk too small: N bytes required, M bytes available. A RAM disk for
// this volume <ramdisk_size_hint> (rmmod brd first if it is loaded)." when `ramdisk_size` is
// below the required size; returns the one-line warning (no newline) to print when it is below
// the ideal size, which ends with the same fix.
std::optional<std::string> validate_ramdisk_size(uint64_t ramdisk_size, uint64_t volume_size,
                                                 uint64_t granularity);

// Zeroes the whole device (with O_DIRECT when possible) and fsyncs.
void zero_device(const std::string& path);

// dm-era formats fresh metadata when block 0 of its metadata device (one 4 KiB metadata block)
// is all zeroes and reads nothing else to decide (doc/kernel-behaviour.md 11). So, in time
// independent of the device size: the device is opened O_EXCL (a mounted or claimed device is
// refused with EBUSY), discarded whole where it supports discard (brd, zram and loop over tmpfs
// then free their pages; EOPNOTSUPP is not an error), its first 4096 bytes zeroed and fsynced.
// Returns true when the discard was done.
bool clear_era_superblock(const std::string& path);
inline constexpr uint64_t kEraSuperblockBytes = 4096;

}  // namespace schelk
