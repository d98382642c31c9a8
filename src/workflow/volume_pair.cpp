// Block-device and equal-size checks of virgin and scratch; see volume_pair.hpp.
#include "src/workflow/volume_pair.hpp"

#include "src/volume/volume.hpp"

namespace schelk {

std::string volume_size_mismatch(const std::string& virgin, uint64_t virgin_size,
                                 const std::string& scratch, uint64_t scratch_size) {
  return "Volume size mismatch: virgin " + virgin + " has " + std::to_string(virgin_size) +
         " bytes, scratch " + scratch + " has " + std::to_string(scratch_size) + " bytes.";
}

uint64_t require_equal_sizes(VolumeOps& volumes, const std::string& virgin,
                             const std::string& scratch, const SizeMismatchMessage& message) {
  const uint64_t vsize = volumes.size(virgin);
  const uint64_t ssize = volumes.size(scratch);
  if (vsize != ssize) throw VolumeError(message(vsize, ssize));
  return vsize;
}

uint64_t require_block_device_pair(VolumeOps& volumes, const std::string& virgin,
                                   const std::string& scratch, const SizeMismatchMessage& message) {
  volumes.validate_block_device(virgin);
  volumes.validate_block_device(scratch);
  return require_equal_sizes(volumes, virgin, scratch, message);
}

}  // namespace schelk
