#include "era_metadata/space_map.hpp"

#include <array>
#include <span>

#include "era_metadata/btree.hpp"
#include "era_metadata/checksum.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {
namespace {

void read_checked(const MetadataSource& source, std::uint64_t location, BlockKind kind,
                  const std::string& what, std::byte* buf) {
  if (location == 0 || location >= source.nr_blocks()) {
    throw MetadataError(what + ": block " + std::to_string(location) + " is out of range (metadata has " +
                        std::to_string(source.nr_blocks()) + " blocks)");
  }
  source.read_blocks(location, 1, buf);
  const std::span<const std::byte> block(buf, kBlockSize);
  if (!verify_block(block, kind)) {
    std::string msg = what + " at block " + std::to_string(location) + ": bad checksum";
    if (auto k = identify_block(block)) msg += " (the checksum is that of a " + std::string(block_kind_name(*k)) + ")";
    throw MetadataError(msg);
  }
  const std::uint64_t blocknr = load_le64(buf + 8);
  if (blocknr != location) {
    throw MetadataError(what + " at block " + std::to_string(location) + ": blocknr field " +
                        std::to_string(blocknr) + " != location");
  }
}

}  // namespace

SpaceMapCounts read_space_map(const MetadataSource& source, const SpaceMapRoot& root,
                              std::vector<std::string>* warnings) {
  SpaceMapCounts out;
  if (root.nr_blocks > kMaxSpaceMapBlocks) {
    throw MetadataError("space map: nr_blocks " + std::to_string(root.nr_blocks) + " > " +
                        std::to_string(kMaxSpaceMapBlocks) + " (255 bitmap blocks)");
  }
  if (root.nr_blocks > source.nr_blocks() && warnings) {
    // The kernel never references blocks past the device, and every read is range-checked.
    warnings->push_back("space map: nr_blocks " + std::to_string(root.nr_blocks) +
                        " > metadata device size " + std::to_string(source.nr_blocks()) +
                        " (truncated image?)");
  }
  out.index_block = root.bitmap_root;
  alignas(kBlockSize) std::array<std::byte, kBlockSize> index;
  read_checked(source, root.bitmap_root, BlockKind::kSpaceMapIndex, "space-map index", index.data());
  // Entries past the device's end cannot be referenced by anything we can read: not kept.
  const bool truncated = root.nr_blocks > source.nr_blocks();
  const std::uint64_t covered = std::min<std::uint64_t>(root.nr_blocks, source.nr_blocks());
  out.counts.assign(covered, 0);
  const std::uint64_t nr_bitmaps = (root.nr_blocks + kEntriesPerBitmapBlock - 1) / kEntriesPerBitmapBlock;
  std::vector<std::uint64_t> overflow;  // blocks whose 2-bit value is 3
  alignas(kBlockSize) std::array<std::byte, kBlockSize> bm;
  for (std::uint64_t i = 0; i < nr_bitmaps; ++i) {
    const std::byte* e = index.data() + kIndexEntriesOffset + kIndexEntrySize * i;
    const std::uint64_t loc = load_le64(e);
    const std::uint32_t nr_free = load_le32(e + 8);
    out.bitmap_blocks.push_back(loc);
    read_checked(source, loc, BlockKind::kSpaceMapBitmap, "space-map bitmap #" + std::to_string(i), bm.data());
    const std::uint64_t first = i * kEntriesPerBitmapBlock;
    const std::uint64_t end = std::min<std::uint64_t>(covered, first + kEntriesPerBitmapBlock);
    std::uint32_t free_found = 0;
    for (std::uint64_t b = first; b < end; ++b) {
      const std::uint64_t j = b - first;
      const std::uint64_t word = load_le64(bm.data() + kBitmapHeaderSize + 8 * (2 * j / 64));
      const unsigned shift = static_cast<unsigned>((2 * j) % 64);
      const std::uint32_t v = static_cast<std::uint32_t>(((word >> shift) & 1) << 1 | ((word >> (shift + 1)) & 1));
      out.counts[b] = v;
      if (v == 0) ++free_found;
      if (v == 3) overflow.push_back(b);
    }
    // The kernel counts the free entries of the whole bitmap block, the 0.9 tools only those
    // below nr_blocks: accept either.
    const std::uint64_t beyond = kEntriesPerBitmapBlock - (end - first);
    if (warnings && !truncated && free_found != nr_free && free_found + beyond != nr_free) {
      warnings->push_back("space-map index entry " + std::to_string(i) + ": nr_free " + std::to_string(nr_free) +
                          ", but bitmap block " + std::to_string(loc) + " has " + std::to_string(free_found) + " free");
    }
  }
  BtreeWalkOptions options{"space-map ref-count tree", 4, warnings, &out.ref_count_nodes, {}};
  std::vector<std::pair<std::uint64_t, std::uint32_t>> exact;
  walk_btree(source, root.ref_count_root, options, [&](std::uint64_t key, const std::byte* v) {
    exact.emplace_back(key, load_le32(v));
  });
  std::size_t k = 0;
  for (const auto& [block, count] : exact) {
    if (block >= covered) continue;
    if (out.counts[block] != 3) {
      if (warnings) warnings->push_back("space-map ref-count tree: entry for block " + std::to_string(block) +
                                        " whose bitmap count is not 3");
      continue;
    }
    if (count < 3 && warnings) {
      warnings->push_back("space-map ref-count tree: block " + std::to_string(block) + " has count " +
                          std::to_string(count) + " < 3");
    }
    out.counts[block] = count;
  }
  for (const auto b : overflow) {
    while (k < exact.size() && exact[k].first < b) ++k;
    if (k >= exact.size() || exact[k].first != b) {
      throw MetadataError("space map: block " + std::to_string(b) +
                          " has bitmap count 3 but no entry in the ref-count tree");
    }
  }
  std::uint64_t allocated = 0;
  for (const auto c : out.counts) allocated += c != 0;
  if (warnings && !truncated && allocated != root.nr_allocated) {
    warnings->push_back("space map: nr_allocated " + std::to_string(root.nr_allocated) + ", but " +
                        std::to_string(allocated) + " blocks have a non-zero count");
  }
  return out;
}

}  // namespace era_metadata
