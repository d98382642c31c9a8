#include "era_metadata/superblock.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {
namespace {

std::string where(std::uint64_t location) {
  return location == 0 ? std::string("superblock")
                       : "metadata snapshot superblock at block " + std::to_string(location);
}

Damage damage(DamageKind kind, std::uint64_t location, std::string detail) {
  return make_error(kind, location, where(location), std::move(detail));
}

std::optional<Damage> check_root(std::uint64_t root, const char* name, std::uint64_t location,
                                 std::uint64_t size_in_blocks) {
  if (root == 0) {
    return damage(DamageKind::kPointerToSuperblock, location,
                  std::string(name) + " is 0 (points at the superblock)");
  }
  if (root >= size_in_blocks) {
    return damage(DamageKind::kPointerPastEnd, location,
                  std::string(name) + " " + std::to_string(root) +
                      " is past the end of the metadata (" + std::to_string(size_in_blocks) +
                      " blocks)");
  }
  return std::nullopt;
}

}  // namespace

Superblock decode_superblock(BlockSpan block, std::uint64_t location) {
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

std::optional<Damage> validate_superblock(BlockSpan block, std::uint64_t location,
                                          std::uint64_t size_in_blocks) noexcept {
  if (std::all_of(block.begin(), block.end(), [](std::byte b) { return b == std::byte{0}; })) {
    return damage(DamageKind::kUnformatted, location,
                  "block " + std::to_string(location) +
                      " is all zero: unformatted metadata (no era superblock)");
  }
  if (auto bad = checksum_damage(block, BlockKind::kSuperblock, location, where(location),
                                 ChecksumWording::kInBlock)) {
    return bad;
  }
  const Superblock sb = decode_superblock(block, location);
  const std::uint64_t magic = load_le64(block.data() + sb::kMagic);
  if (magic != kSuperblockMagic) {
    return damage(DamageKind::kMagic, location,
                  "magic " + std::to_string(magic) + " != " + std::to_string(kSuperblockMagic));
  }
  if (sb.blocknr != location) {
    return damage(
        DamageKind::kBlockNr, location,
        "blocknr field " + std::to_string(sb.blocknr) + " != location " + std::to_string(location));
  }
  const std::uint32_t version = load_le32(block.data() + sb::kVersion);
  if (version != kMetadataVersion) {
    return damage(DamageKind::kVersion, location, "unsupported version " + std::to_string(version));
  }
  if (sb.metadata_block_size != kMetadataBlockSectors) {
    return damage(DamageKind::kMetadataBlockSize, location,
                  "metadata_block_size " + std::to_string(sb.metadata_block_size) +
                      " != " + std::to_string(kMetadataBlockSectors) + " sectors");
  }
  if (sb.nr_blocks > kMaxNrBlocks) {
    return damage(DamageKind::kNrBlocks, location,
                  "nr_blocks " + std::to_string(sb.nr_blocks) + " >= 2^31");
  }
  if (auto bad =
          check_root(sb.writeset_tree_root, "writeset_tree_root", location, size_in_blocks)) {
    return bad;
  }
  if (auto bad = check_root(sb.era_array_root, "era_array_root", location, size_in_blocks)) {
    return bad;
  }
  if (sb.writeset_tree_root == sb.era_array_root) {
    return damage(DamageKind::kRoleConflict, location,
                  "writeset_tree_root and era_array_root are both block " +
                      std::to_string(sb.era_array_root));
  }
  return std::nullopt;
}

Superblock read_superblock(const MetadataSource& source, std::uint64_t location,
                           Findings& findings) {
  const std::uint64_t dev_blocks = source.size_in_blocks();
  if (dev_blocks == 0) {
    throw MetadataError(make_error(DamageKind::kTooSmall, std::nullopt, "",
                                   "metadata device/file too small (less than 4096 bytes): "
                                   "no superblock"));
  }
  if (location >= dev_blocks) {
    throw MetadataError(damage(DamageKind::kPointerPastEnd, location,
                               "block " + std::to_string(location) +
                                   " is past the end of the metadata (" +
                                   std::to_string(dev_blocks) + " blocks)"));
  }
  alignas(kBlockSize) static thread_local std::array<std::byte, kBlockSize> buf;
  source.read_blocks(location, 1, buf.data());
  if (auto bad = validate_superblock(buf, location, dev_blocks)) throw MetadataError(*bad);
  Superblock sb = decode_superblock(buf, location);
  if ((sb.flags & ~kSuperblockFlagCleanShutdown) != 0) {
    findings.add(make_warning(DamageKind::kUnknownFlags, location, where(location),
                              "unknown flags " + std::to_string(sb.flags)));
  }
  return sb;
}

std::uint64_t snapshot_location(const MetadataSource& source, const Superblock& live) {
  if (live.metadata_snap == 0) {
    throw MetadataError(make_error(DamageKind::kNoSnapshot, live.location, "superblock",
                                   "no metadata snapshot is held (metadata_snap is 0)"));
  }
  if (live.metadata_snap >= source.size_in_blocks()) {
    throw MetadataError(make_error(DamageKind::kPointerPastEnd, live.location, "superblock",
                                   "metadata_snap " + std::to_string(live.metadata_snap) +
                                       " is past the end of the metadata (" +
                                       std::to_string(source.size_in_blocks()) + " blocks)"));
  }
  return live.metadata_snap;
}

Superblock read_chosen_superblock(const MetadataSource& source, bool snapshot, Findings& findings) {
  if (!snapshot) return read_superblock(source, 0, findings);
  // With a snapshot the device is live: the kernel may be rewriting block 0 while we read it,
  // so a torn read (bad checksum) is retried a few times before it counts as damage. A failed
  // attempt adds no finding (the flags warning comes after validation).
  Superblock live;
  for (int attempt = 0;; ++attempt) {
    try {
      live = read_superblock(source, 0, findings);
      break;
    } catch (const MetadataError&) {
      if (attempt >= 4) throw;
    }
  }
  return read_superblock(source, snapshot_location(source, live), findings);
}

}  // namespace era_metadata
