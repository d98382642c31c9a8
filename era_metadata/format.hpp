// On-disk constants of dm-era metadata (persistent-data library layout, dm-era target 1.0.0).
// Provenance: doc/dm-era-format.md sections 0-4, verified on real images.
#pragma once

#include <cstddef>
#include <cstdint>

namespace era_metadata {

inline constexpr std::size_t kBlockSize = 4096;  // metadata block, fixed
inline constexpr std::uint32_t kMetadataBlockSectors = 8;

// Superblock
inline constexpr std::uint64_t kSuperblockMagic = 2126579579;
inline constexpr std::uint32_t kMetadataVersion = 1;
inline constexpr std::uint32_t kSuperblockFlagCleanShutdown = 1;  // written by Rust era_restore
namespace sb {
inline constexpr std::size_t kCsum = 0x00;
inline constexpr std::size_t kFlags = 0x04;
inline constexpr std::size_t kBlocknr = 0x08;
inline constexpr std::size_t kUuid = 0x10;
inline constexpr std::size_t kMagic = 0x20;
inline constexpr std::size_t kVersion = 0x28;
inline constexpr std::size_t kSpaceMapRoot = 0x2C;  // 128 bytes, first 32 used
inline constexpr std::size_t kSpaceMapRootSize = 128;
inline constexpr std::size_t kDataBlockSize = 0xAC;  // sectors
inline constexpr std::size_t kMetadataBlockSize = 0xB0;
inline constexpr std::size_t kNrBlocks = 0xB4;
inline constexpr std::size_t kCurrentEra = 0xB8;
inline constexpr std::size_t kCurrentWritesetNrBits = 0xBC;
inline constexpr std::size_t kCurrentWritesetRoot = 0xC0;
inline constexpr std::size_t kWritesetTreeRoot = 0xC8;
inline constexpr std::size_t kEraArrayRoot = 0xD0;
inline constexpr std::size_t kMetadataSnap = 0xD8;
inline constexpr std::size_t kEnd = 0xE0;
}  // namespace sb

// Space-map root inside the superblock (relative to sb::kSpaceMapRoot)
namespace smroot {
inline constexpr std::size_t kNrBlocks = 0;
inline constexpr std::size_t kNrAllocated = 8;
inline constexpr std::size_t kBitmapRoot = 16;  // the metadata index block
inline constexpr std::size_t kRefCountRoot = 24;
}  // namespace smroot

// Metadata space-map index block and bitmap blocks
inline constexpr std::size_t kIndexEntriesOffset = 16;
inline constexpr std::size_t kIndexEntrySize = 16;
inline constexpr std::size_t kMaxIndexEntries = 255;
inline constexpr std::size_t kBitmapHeaderSize = 16;
inline constexpr std::size_t kEntriesPerBitmapBlock =
    (kBlockSize - kBitmapHeaderSize) * 4;  // 16320
// The most metadata blocks one index block's bitmaps can count.
inline constexpr std::uint64_t kMaxSpaceMapBlocks = kMaxIndexEntries * kEntriesPerBitmapBlock;

// Btree node header
namespace node {
inline constexpr std::size_t kCsum = 0;
inline constexpr std::size_t kFlags = 4;
inline constexpr std::size_t kBlocknr = 8;
inline constexpr std::size_t kNrEntries = 16;
inline constexpr std::size_t kMaxEntries = 20;
inline constexpr std::size_t kValueSize = 24;
inline constexpr std::size_t kHeaderSize = 32;
inline constexpr std::uint32_t kInternal = 1;
inline constexpr std::uint32_t kLeaf = 2;
}  // namespace node

// dm-array block header (note: max_entries precedes nr_entries here)
namespace ablock {
inline constexpr std::size_t kCsum = 0;
inline constexpr std::size_t kMaxEntries = 4;
inline constexpr std::size_t kNrEntries = 8;
inline constexpr std::size_t kValueSize = 12;
inline constexpr std::size_t kBlocknr = 16;
inline constexpr std::size_t kHeaderSize = 24;
}  // namespace ablock

inline constexpr std::uint32_t kEraArrayValueSize = 4;
inline constexpr std::uint32_t kBitsetValueSize = 8;
inline constexpr std::uint32_t kWritesetValueSize = 12;  // {u32 nr_bits, u64 bitset root}
inline constexpr std::uint32_t kArrayBtreeValueSize = 8;

// Entries per array block: floor((4096 - 24) / value_size).
constexpr std::uint32_t array_block_capacity(std::uint32_t value_size) {
  return static_cast<std::uint32_t>((kBlockSize - ablock::kHeaderSize) / value_size);
}
inline constexpr std::uint32_t kEraEntriesPerBlock =
    array_block_capacity(kEraArrayValueSize);  // 1018
inline constexpr std::uint32_t kBitsetWordsPerBlock =
    array_block_capacity(kBitsetValueSize);  // 509

// Btree max_entries: floor((4096 - 32) / (8 + value_size)) rounded down to a multiple of 3.
constexpr std::uint32_t btree_max_entries(std::uint32_t value_size) {
  const auto n = static_cast<std::uint32_t>((kBlockSize - node::kHeaderSize) / (8 + value_size));
  return n / 3 * 3;
}

// dm-era limits
inline constexpr std::uint64_t kMaxNrBlocks = (1ull << 31) - 1;  // kernel keeps nr_blocks < 2^31

}  // namespace era_metadata
