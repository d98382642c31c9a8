// The volume operations the workflow commands use, behind one narrow interface so the command
// flows run against a fake on temporary files (tests/support/workflow_fakes.hpp). HostVolumeOps
// is the real one (block devices, mkfs.ext4, libblkid); only the CLI entry constructs it.
// Errors as in volume.hpp and tools.hpp: VolumeError for a failed precondition,
// std::system_error for a failed system call, std::runtime_error for a failed program.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/sha256.hpp"

namespace schelk {

class VolumeOps {
 public:
  virtual ~VolumeOps() = default;
  // Size in bytes.
  virtual uint64_t size(const std::string& path) = 0;
  // Throws VolumeError "<path> is not a block device".
  virtual void validate_block_device(const std::string& path) = 0;
  // Throws VolumeError "Virgin and scratch must be different devices."
  virtual void reject_same_device(const std::string& virgin, const std::string& scratch) = 0;
  // SHA-256 of the first 4096 bytes as the device holds them (no stale page cache).
  virtual base::Sha256Digest hash_superblock(const std::string& path) = 0;
  // Zeroes the whole device and makes it durable.
  virtual void zero(const std::string& path) = 0;
  // Makes the next dm-era table load format fresh metadata on `path`, in constant time
  // (clear_era_superblock in volume.hpp): O_EXCL, discard where supported, block 0 zeroed.
  // Returns true when the device was discarded whole.
  virtual bool clear_era_superblock(const std::string& path) = 0;
  // Throws "mkfs.ext4 not found in PATH. Install ..." so init-new fails before destroying.
  virtual void require_mkfs_ext4() = 0;
  virtual void make_ext4(const std::string& path) = 0;
  // Filesystem type on the device ("ext4", "xfs", ...), or nullopt when none is recognised.
  virtual std::optional<std::string> detect_fstype(const std::string& path) = 0;
};

// The host's devices, through volume.hpp and tools.hpp.
class HostVolumeOps final : public VolumeOps {
 public:
  uint64_t size(const std::string& path) override;
  void validate_block_device(const std::string& path) override;
  void reject_same_device(const std::string& virgin, const std::string& scratch) override;
  base::Sha256Digest hash_superblock(const std::string& path) override;
  void zero(const std::string& path) override;
  bool clear_era_superblock(const std::string& path) override;
  void require_mkfs_ext4() override;
  void make_ext4(const std::string& path) override;
  std::optional<std::string> detect_fstype(const std::string& path) override;
};

}  // namespace schelk
