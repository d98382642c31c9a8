// Decoding and validation of the era superblock (block 0, or the metadata-snapshot copy at S).
// See doc/dm-era-format.md section 1 and rows 1-11 of section 11.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "era_metadata/checksum.hpp"
#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

struct SpaceMapRoot {
  std::uint64_t nr_blocks = 0;
  std::uint64_t nr_allocated = 0;
  std::uint64_t bitmap_root = 0;     // the metadata index block
  std::uint64_t ref_count_root = 0;  // btree of exact counts >= 3
};

struct Superblock {
  std::uint64_t location = 0;
  std::uint32_t flags = 0;
  std::uint64_t blocknr = 0;
  SpaceMapRoot space_map;
  std::uint32_t data_block_size = 0;  // sectors
  std::uint32_t metadata_block_size = 0;
  std::uint32_t nr_blocks = 0;
  std::uint32_t current_era = 0;
  std::uint32_t current_writeset_nr_bits = 0;
  std::uint64_t current_writeset_root = 0;
  std::uint64_t writeset_tree_root = 0;
  std::uint64_t era_array_root = 0;
  std::uint64_t metadata_snap = 0;
};

// Decodes the fields without validating anything.
[[nodiscard]] Superblock decode_superblock(BlockSpan block, std::uint64_t location);

// The first damage of the superblock at `location` on a device of `size_in_blocks` blocks:
// all zero, checksum, magic, blocknr, version, metadata block size, nr_blocks, and both tree
// roots inside the device, non-zero and distinct. Allocation failure for the message terminates.
[[nodiscard]] std::optional<Damage> validate_superblock(BlockSpan block, std::uint64_t location,
                                                        std::uint64_t size_in_blocks) noexcept;

// Reads and validates the superblock at `location`; harmless oddities (unknown flag bits) go
// to `findings`. Throws MetadataError with a one-line message naming the block and field.
[[nodiscard]] Superblock read_superblock(const MetadataSource& source, std::uint64_t location,
                                         Findings& findings);

// Reads and validates the live superblock (block 0) and, if `snapshot`, follows its
// metadata_snap to the snapshot superblock (which must carry blocknr == its location).
// Throws MetadataError.
[[nodiscard]] Superblock read_chosen_superblock(const MetadataSource& source, bool snapshot,
                                                Findings& findings);

// The metadata snapshot superblock's location held by `live`, checked to lie inside the
// device. Throws MetadataError (kNoSnapshot, kPointerPastEnd).
[[nodiscard]] std::uint64_t snapshot_location(const MetadataSource& source, const Superblock& live);

}  // namespace era_metadata
