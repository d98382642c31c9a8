// Volume checks, superblock hash and ramdisk helpers.
#include "src/volume/volume.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "base/aligned_buffer.hpp"
#include "base/errno.hpp"
#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "base/sha256.hpp"
#include "base/unique_fd.hpp"
#include "src/volume/device_holders.hpp"

namespace schelk {
namespace {

// Opens with O_DIRECT, falling back to buffered I/O where the filesystem refuses it (tmpfs).
base::UniqueFd open_direct(const std::string& path, int flags) {
  base::UniqueFd fd(::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC));
  if (!fd && errno == EINVAL) fd.reset(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd) base::throw_errno(errno, "Cannot open " + path);
  return fd;
}

base::UniqueFd open_read_only(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) base::throw_errno(errno, "Cannot open " + path);
  return fd;
}

}  // namespace

uint64_t device_size(const std::string& path) {
  const auto fd = open_read_only(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) base::throw_errno(errno, "Cannot stat " + path);
  if (S_ISBLK(st.st_mode)) {
    uint64_t size = 0;
    if (::ioctl(fd.get(), BLKGETSIZE64, &size) != 0) {
      base::throw_errno(errno, "Cannot get size of " + path);
    }
    return size;
  }
  return static_cast<uint64_t>(st.st_size);
}

void validate_block_device(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) base::throw_errno(errno, "Cannot stat " + path);
  if (!S_ISBLK(st.st_mode)) throw VolumeError(path + " is not a block device");
  (void)open_read_only(path);
}

void reject_same_device(const std::string& virgin, const std::string& scratch) {
  std::error_code ec1, ec2;
  const auto a = std::filesystem::weakly_canonical(virgin, ec1);
  const auto b = std::filesystem::weakly_canonical(scratch, ec2);
  if (!ec1 && !ec2 && a == b) throw VolumeError("Virgin and scratch must be different devices.");
  struct stat sa {
  }, sb{};
  if (::stat(virgin.c_str(), &sa) == 0 && ::stat(scratch.c_str(), &sb) == 0) {
    const bool same_block = S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
    const bool same_file = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (same_block || same_file) {
      throw VolumeError("Virgin and scratch must be different devices.");
    }
  }
}

void validate_granularity(uint64_t granularity) {
  if (granularity == 0) throw VolumeError("Granularity must be greater than 0.");
  if (granularity % 512 != 0) {
    throw VolumeError("Granularity must be a multiple of 512 bytes (got " +
                      std::to_string(granularity) + " bytes).");
  }
  // schelk let 512..4095 through and failed later in dm-era or the copier; refuse up front.
  if (granularity % 4096 != 0) {
    throw VolumeError("Granularity must be a multiple of 4096 bytes (got " +
                      std::to_string(granularity) +
                      " bytes): dm-era needs blocks of 8 sectors and the copier 4 KiB alignment.");
  }
}

base::Sha256Digest hash_superblock(const std::string& path) {
  constexpr size_t kLen = 4096;
  const auto fd = open_direct(path, O_RDONLY);
  base::AlignedBuffer buf(kLen);
  // Shorter than 4 KiB: hash what there is, as schelk.
  const size_t got =
      base::pread_full(fd.get(), {buf.data(), kLen}, 0, "Cannot read superblock of " + path);
  return base::sha256({reinterpret_cast<const uint8_t*>(buf.data()), got});
}

uint64_t ramdisk_min_size(uint64_t volume_size, uint64_t granularity) {
  const uint64_t nr_blocks = volume_size / granularity;
  const uint64_t era_array_blocks = (nr_blocks + 1017) / 1018;
  const uint64_t btree = era_array_blocks * 4 / 100;
  return (era_array_blocks + btree + 10) * 4096;
}

uint64_t ramdisk_required_size(uint64_t volume_size, uint64_t granularity) {
  return ramdisk_min_size(volume_size, granularity) * 110 / 100;
}

uint64_t ramdisk_ideal_size(uint64_t volume_size, uint64_t granularity) {
  return ramdisk_min_size(volume_size, granularity) * 115 / 100 + 1024 * 1024;
}

uint64_t ramdisk_suggested_size(uint64_t volume_size, uint64_t granularity) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  const uint64_t ideal = ramdisk_ideal_size(volume_size, granularity);
  return (ideal + kMiB - 1) / kMiB * kMiB;
}

std::string ramdisk_size_hint(uint64_t volume_size, uint64_t granularity) {
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  const uint64_t size = ramdisk_suggested_size(volume_size, granularity);
  std::string shown = std::to_string(size >> 20) + " MiB";
  if (size >= kGiB) shown += " (" + base::format_bytes(size) + ")";
  return "needs " + shown + ": modprobe brd rd_nr=1 rd_size=" + std::to_string(size >> 10);
}

std::optional<std::string> validate_ramdisk_size(uint64_t ramdisk_size, uint64_t volume_size,
                                                 uint64_t granularity) {
  // brd takes its size only when loaded: a loaded brd must be unloaded to grow its disks.
  const std::string fix = "A RAM disk for this volume " +
                          ramdisk_size_hint(volume_size, granularity) +
                          " (rmmod brd first if it is loaded).";
  const uint64_t required = ramdisk_required_size(volume_size, granularity);
  if (ramdisk_size < required) {
    throw VolumeError("RAM disk too small: " + std::to_string(required) + " bytes required, " +
                      std::to_string(ramdisk_size) + " bytes available. " + fix);
  }
  const uint64_t ideal = ramdisk_ideal_size(volume_size, granularity);
  if (ramdisk_size >= ideal) return std::nullopt;
  return "Warning: RAM disk size (" + base::format_mib(ramdisk_size, 2) + ") is less than ideal (" +
         base::format_mib(ideal, 2) + "). This may work but leaves little headroom. " + fix;
}

void zero_device(const std::string& path) {
  const uint64_t size = device_size(path);
  const auto fd = open_direct(path, O_WRONLY);
  constexpr size_t kChunk = 1 << 20;
  const base::AlignedBuffer zeros(kChunk);
  for (uint64_t off = 0; off < size; off += kChunk) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    base::pwrite_full(fd.get(), {zeros.data(), len}, off,
                      "Cannot zero " + path + " at byte " + std::to_string(off));
  }
  if (::fsync(fd.get()) != 0) base::throw_errno(errno, "Cannot fsync " + path);
}

bool clear_era_superblock(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_EXCL | O_DIRECT | O_CLOEXEC));
  if (!fd && errno == EINVAL) fd.reset(::open(path.c_str(), O_WRONLY | O_EXCL | O_CLOEXEC));
  if (!fd) {
    if (errno == EBUSY) {
      throw VolumeError("RAM disk " + path +
                        " is in use (mounted, claimed by device-mapper, or held open "
                        "exclusively); release it before 'schelk mount'." +
                        host_busy_holders(path));
    }
    base::throw_errno(errno, "Cannot open " + path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) base::throw_errno(errno, "Cannot stat " + path);
  bool discarded = false;
  if (S_ISBLK(st.st_mode)) {
    uint64_t size = 0;
    if (::ioctl(fd.get(), BLKGETSIZE64, &size) != 0) {
      base::throw_errno(errno, "Cannot get size of " + path);
    }
    uint64_t range[2] = {0, size};
    if (::ioctl(fd.get(), BLKDISCARD, range) == 0) {
      discarded = true;
    } else if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EINVAL) {
      base::throw_errno(errno, "Cannot discard " + path);
    }
  }
  const base::AlignedBuffer zeros(kEraSuperblockBytes);
  base::pwrite_full(fd.get(), {zeros.data(), kEraSuperblockBytes}, 0,
                    "Cannot zero the first 4 KiB of " + path);
  if (::fsync(fd.get()) != 0) base::throw_errno(errno, "Cannot fsync " + path);
  return discarded;
}

}  // namespace schelk
