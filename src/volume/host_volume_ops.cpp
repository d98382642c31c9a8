// HostVolumeOps: the VolumeOps interface over the real device functions.
#include "src/volume/tools.hpp"
#include "src/volume/volume.hpp"
#include "src/volume/volume_ops.hpp"

namespace schelk {

uint64_t HostVolumeOps::size(const std::string& path) { return device_size(path); }

void HostVolumeOps::validate_block_device(const std::string& path) {
  schelk::validate_block_device(path);
}

void HostVolumeOps::reject_same_device(const std::string& virgin, const std::string& scratch) {
  schelk::reject_same_device(virgin, scratch);
}

base::Sha256Digest HostVolumeOps::hash_superblock(const std::string& path) {
  return schelk::hash_superblock(path);
}

void HostVolumeOps::zero(const std::string& path) { zero_device(path); }

bool HostVolumeOps::clear_era_superblock(const std::string& path) {
  return schelk::clear_era_superblock(path);
}

void HostVolumeOps::require_mkfs_ext4() {
  require_tool("mkfs.ext4", "e2fsprogs (e.g., apt install e2fsprogs)");
}

void HostVolumeOps::make_ext4(const std::string& path) { schelk::make_ext4(path); }

std::optional<std::string> HostVolumeOps::detect_fstype(const std::string& path) {
  return schelk::detect_fstype(path);
}

}  // namespace schelk
