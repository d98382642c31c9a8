// The pair check every command that copies between virgin and scratch makes first: both paths
// are block devices and the two volumes have the same size. Each command keeps its own
// schelk-compatible wording for a size mismatch, passed in as a message builder.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "src/volume/volume_ops.hpp"

namespace schelk {

// Builds the error text for a size mismatch from the virgin and scratch sizes in bytes.
using SizeMismatchMessage = std::function<std::string(uint64_t virgin_size, uint64_t scratch_size)>;

// schelk's full-recover wording, also the start of mount's resize refusal:
// "Volume size mismatch: virgin V has N bytes, scratch S has M bytes."
std::string volume_size_mismatch(const std::string& virgin, uint64_t virgin_size,
                                 const std::string& scratch, uint64_t scratch_size);

// Returns the common size; throws VolumeError(message(virgin size, scratch size)) when they differ.
uint64_t require_equal_sizes(VolumeOps& volumes, const std::string& virgin,
                             const std::string& scratch, const SizeMismatchMessage& message);

// validate_block_device on virgin, then scratch, then require_equal_sizes (schelk's order).
uint64_t require_block_device_pair(VolumeOps& volumes, const std::string& virgin,
                                   const std::string& scratch, const SizeMismatchMessage& message);

}  // namespace schelk
