// Decoding and validation of the era superblock (block 0, or the metadata-snapshot copy at S).
// See dm-era-format.md section 1 and rows 1-11 of section 11.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

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
  std::vector<std::string> warnings;  // harmless oddities (unknown flag bits)
};

// Decodes the fields without validating anything but the size of `block`.
[[nodiscard]] Superblock decode_superblock(std::span<const std::byte> block, std::uint64_t location);

// Reads the superblock at `location` and validates checksum, magic, version, blocknr, metadata
// block size, nr_blocks, and that both tree roots are inside the device, non-zero and distinct.
// Throws MetadataError with a one-line message naming the block and field.
[[nodiscard]] Superblock read_superblock(const MetadataSource& source, std::uint64_t location);

// Reads and validates the live superblock (block 0) and, if `snapshot`, follows its
// metadata_snap to the snapshot superblock (which must carry blocknr == its location).
[[nodiscard]] Superblock read_chosen_superblock(const MetadataSource& source, bool snapshot);

}  // namespace era_metadata
