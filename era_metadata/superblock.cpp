#include "era_metadata/superblock.hpp"

#include <algorithm>
#include <array>

#include "era_metadata/checksum.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {
namespace {

std::string where(std::uint64_t location) {
  return location == 0 ? std::string("superblock")
                       : "metadata snapshot superblock at block " + std::to_string(location);
}

[[noreturn]] void fail(std::uint64_t location, const std::string& what) {
  throw MetadataError(where(location) + ": " + what);
}

}  // namespace

Superblock decode_superblock(std::span<const std::byte> block, std::uint64_t location) {
  if (block.size() < kBlockSize) throw MetadataError("superblock buffer too small");
  const std::byte* p = block.data();
  Superblock sb;
  sb.location = location;
  sb.flags = load_le32(p + sb::kFlags);
  sb.blocknr = load_le64(p + sb::kBlocknr);
  const std::byte* sm = p + sb::kSpaceMapRoot;
  sb.space_map.nr_blocks = load_le64(sm + smroot::kNrBlocks);
  sb.space_map.nr_allocated = load_le64(sm + smroot::kNrAllocated);
  sb.space_map.bitmap_root = load_le64(sm + smroot::kBitmapRoot);
  sb.space_map.ref_count_root = load_le64(sm + smroot::kRefCountRoot);
  sb.data_block_size = load_le32(p + sb::kDataBlockSize);
  sb.metadata_block_size = load_le32(p + sb::kMetadataBlockSize);
  sb.nr_blocks = load_le32(p + sb::kNrBlocks);
  sb.current_era = load_le32(p + sb::kCurrentEra);
  sb.current_writeset_nr_bits = load_le32(p + sb::kCurrentWritesetNrBits);
  sb.current_writeset_root = load_le64(p + sb::kCurrentWritesetRoot);
  sb.writeset_tree_root = load_le64(p + sb::kWritesetTreeRoot);
  sb.era_array_root = load_le64(p + sb::kEraArrayRoot);
  sb.metadata_snap = load_le64(p + sb::kMetadataSnap);
  return sb;
}

Superblock read_superblock(const MetadataSource& source, std::uint64_t location) {
  const std::uint64_t dev_blocks = source.nr_blocks();
  if (dev_blocks == 0) {
    throw MetadataError("metadata device/file too small (" + std::string("less than 4096 bytes") +
                        "): no superblock");
  }
  if (location >= dev_blocks) {
    fail(location, "block " + std::to_string(location) + " is past the end of the metadata (" +
                       std::to_string(dev_blocks) + " blocks)");
  }
  alignas(kBlockSize) static thread_local std::array<std::byte, kBlockSize> buf;
  source.read_blocks(location, 1, buf.data());
  if (std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0}; })) {
    fail(location, "block " + std::to_string(location) +
                       " is all zero: unformatted metadata (no era superblock)");
  }
  if (!verify_block(buf, BlockKind::kSuperblock)) {
    std::string what = "bad checksum in block " + std::to_string(location);
    if (auto kind = identify_block(buf)) what += " (the checksum is that of a " + std::string(block_kind_name(*kind)) + ")";
    fail(location, what);
  }
  Superblock sb = decode_superblock(buf, location);
  const std::uint64_t magic = load_le64(buf.data() + sb::kMagic);
  if (magic != kSuperblockMagic) {
    fail(location, "magic " + std::to_string(magic) + " != " + std::to_string(kSuperblockMagic));
  }
  if (sb.blocknr != location) {
    fail(location, "blocknr field " + std::to_string(sb.blocknr) + " != location " +
                       std::to_string(location));
  }
  const std::uint32_t version = load_le32(buf.data() + sb::kVersion);
  if (version != kMetadataVersion) fail(location, "unsupported version " + std::to_string(version));
  if (sb.metadata_block_size != kMetadataBlockSectors) {
    fail(location, "metadata_block_size " + std::to_string(sb.metadata_block_size) +
                       " != " + std::to_string(kMetadataBlockSectors) + " sectors");
  }
  if (sb.nr_blocks > kMaxNrBlocks) {
    fail(location, "nr_blocks " + std::to_string(sb.nr_blocks) + " >= 2^31");
  }
  auto check_root = [&](std::uint64_t root, const char* name) {
    if (root == 0) fail(location, std::string(name) + " is 0 (points at the superblock)");
    if (root >= dev_blocks) {
      fail(location, std::string(name) + " " + std::to_string(root) +
                         " is past the end of the metadata (" + std::to_string(dev_blocks) +
                         " blocks)");
    }
  };
  check_root(sb.writeset_tree_root, "writeset_tree_root");
  check_root(sb.era_array_root, "era_array_root");
  if (sb.writeset_tree_root == sb.era_array_root) {
    fail(location, "writeset_tree_root and era_array_root are both block " +
                       std::to_string(sb.era_array_root));
  }
  if ((sb.flags & ~kSuperblockFlagCleanShutdown) != 0) {
    sb.warnings.push_back(where(location) + ": unknown flags " + std::to_string(sb.flags));
  }
  return sb;
}

Superblock read_chosen_superblock(const MetadataSource& source, bool snapshot) {
  if (!snapshot) return read_superblock(source, 0);
  // With a snapshot the device is live: the kernel may be rewriting block 0 while we read it,
  // so a torn read (bad checksum) is retried a few times before it counts as damage.
  Superblock live;
  for (int attempt = 0;; ++attempt) {
    try {
      live = read_superblock(source, 0);
      break;
    } catch (const MetadataError&) {
      if (attempt >= 4) throw;
    }
  }
  if (live.metadata_snap == 0) {
    throw MetadataError("superblock: no metadata snapshot is held (metadata_snap is 0)");
  }
  if (live.metadata_snap >= source.nr_blocks()) {
    throw MetadataError("superblock: metadata_snap " + std::to_string(live.metadata_snap) +
                        " is past the end of the metadata (" +
                        std::to_string(source.nr_blocks()) + " blocks)");
  }
  Superblock snap = read_superblock(source, live.metadata_snap);
  snap.warnings.insert(snap.warnings.begin(), live.warnings.begin(), live.warnings.end());
  return snap;
}

}  // namespace era_metadata
