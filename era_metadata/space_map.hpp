// The metadata space map (doc/dm-era-format.md section 2): reference counts of metadata blocks,
// from the index block, the 2-bit bitmap blocks and the ref-count btree (counts >= 3). Only
// era_check needs it; walking the era structures never does.
#pragma once

#include <cstdint>
#include <vector>

#include "era_metadata/damage.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/superblock.hpp"

namespace era_metadata {

struct SpaceMapCounts {
  std::vector<std::uint32_t> counts;  // one per metadata block covered (root.nr_blocks)
  std::uint64_t index_block = 0;
  std::vector<std::uint64_t> bitmap_blocks;  // by index entry
  std::vector<std::uint64_t> ref_count_nodes;
};

// Reads and validates the space map of the live superblock. Throws MetadataError; odd but
// harmless findings (nr_free or nr_allocated disagreeing with the bitmaps) go to `findings`.
[[nodiscard]] SpaceMapCounts read_space_map(const MetadataSource& source, const SpaceMapRoot& root,
                                            Findings& findings);

}  // namespace era_metadata
