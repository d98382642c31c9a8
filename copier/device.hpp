// A block device or regular file opened for the copier: O_DIRECT, its size and the logical block
// size that O_DIRECT transfers must be aligned to, and its identity (to refuse copying a device
// onto itself).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/unique_fd.hpp"

namespace copier {

enum class Access { kRead, kWrite };

struct Device {
  [[nodiscard]] int fd() const { return fd_.get(); }

  std::string path;
  std::uint64_t size_bytes = 0;
  std::uint32_t logical_block_size = 512;  // O_DIRECT alignment of offsets, lengths and buffers
  bool is_block_device = false;
  bool direct_io = true;          // false only for a regular file whose filesystem refuses O_DIRECT
  dev_t device_number = 0;        // st_rdev for block devices, st_dev for regular files
  ino_t inode = 0;                // regular files only
  unsigned queue_depth_hint = 0;  // block devices: the request queue size (nr_requests), 0 unknown
  base::UniqueFd fd_;
};

// Opens `path` with O_DIRECT (buffered only for regular files on filesystems that refuse it, or
// whose size is not a multiple of 4096 so the tail could not be written with O_DIRECT).
// `exclusive` opens block devices with O_EXCL, so a mounted or device-mapper-claimed device is
// refused. Throws std::system_error naming the path.
[[nodiscard]] Device open_device(const std::string& path, Access access, bool exclusive);

// True when both name the same block device (device numbers) or the same file (inode).
[[nodiscard]] bool same_device(const Device& a, const Device& b);

}  // namespace copier
