// The blocks an ext2/3/4 filesystem uses, from its own allocation bitmaps (libext2fs,
// read-only): what `schelk send --full` carries, so a half-full volume ships half. Cost: the
// block bitmaps (one bit per filesystem block) and one step per run of used blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

// The used blocks as sorted, disjoint ranges of `block_size`-byte blocks (a block partly used
// counts whole), block 0 always included (the boot area and, on 1 KiB filesystems, the
// superblock), clipped to `limit_bytes`. Throws NotExt4Error, Ext4Error (ext4_attribution.hpp).
std::vector<BlockRange> ext4_used_ranges(const std::string& device, uint64_t block_size,
                                         uint64_t limit_bytes);

}  // namespace schelk
