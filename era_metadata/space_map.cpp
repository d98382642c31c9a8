#include "era_metadata/space_map.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "era_metadata/btree.hpp"
#include "era_metadata/checksum.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {
namespace {

using Block = std::array<std::byte, kBlockSize>;

void read_checked(const MetadataSource& source, std::uint64_t location, BlockKind kind,
                  const std::string& what, Block& buf) {
  if (location == 0 || location >= source.size_in_blocks()) {
    throw MetadataError(
        make_error(location == 0 ? DamageKind::kPointerToSuperblock : DamageKind::kPointerPastEnd,
                   std::nullopt, what,
                   "block " + std::to_string(location) + " is out of range (metadata has " +
                       std::to_string(source.size_in_blocks()) + " blocks)"));
  }
  source.read_blocks(location, 1, buf.data());
  const std::string where = what + " at block " + std::to_string(location);
  if (auto bad = checksum_damage(buf, kind, location, where, ChecksumWording::kPlain)) {
    throw MetadataError(std::move(*bad));
  }
  const std::uint64_t blocknr = load_le64(buf.data() + 8);
  if (blocknr != location) {
    throw MetadataError(make_error(DamageKind::kBlockNr, location, where,
                                   "blocknr field " + std::to_string(blocknr) + " != location"));
  }
}

// The 2-bit counts of every covered block from the bitmaps; blocks whose count is 3 (look in
// the ref-count tree) go to `overflow`, ascending.
void read_bitmaps(const MetadataSource& source, const SpaceMapRoot& root, bool truncated,
                  SpaceMapCounts& out, std::vector<std::uint64_t>& overflow, Findings& findings) {
  alignas(kBlockSize) Block index;  // aligned: block devices are read with O_DIRECT
  read_checked(source, root.bitmap_root, BlockKind::kSpaceMapIndex, "space-map index", index);
  const std::uint64_t covered = out.counts.size();
  const std::uint64_t nr_bitmaps =
      (root.nr_blocks + kEntriesPerBitmapBlock - 1) / kEntriesPerBitmapBlock;
  alignas(kBlockSize) Block bm;
  for (std::uint64_t i = 0; i < nr_bitmaps; ++i) {
    const std::byte* e = index.data() + kIndexEntriesOffset + kIndexEntrySize * i;
    const std::uint64_t loc = load_le64(e);
    const std::uint32_t nr_free = load_le32(e + 8);
    out.bitmap_blocks.push_back(loc);
    read_checked(source, loc, BlockKind::kSpaceMapBitmap, "space-map bitmap #" + std::to_string(i),
                 bm);
    const std::uint64_t first = i * kEntriesPerBitmapBlock;
    const std::uint64_t end = std::min<std::uint64_t>(covered, first + kEntriesPerBitmapBlock);
    std::uint32_t free_found = 0;
    for (std::uint64_t b = first; b < end; ++b) {
      const std::uint64_t j = b - first;
      const std::uint64_t word = load_le64(bm.data() + kBitmapHeaderSize + 8 * (2 * j / 64));
      const unsigned shift = static_cast<unsigned>((2 * j) % 64);
      const auto v =
          static_cast<std::uint32_t>(((word >> shift) & 1) << 1 | ((word >> (shift + 1)) & 1));
      out.counts[b] = v;
      if (v == 0) ++free_found;
      if (v == 3) overflow.push_back(b);
    }
    // The kernel counts the free entries of the whole bitmap block, the 0.9 tools only those
    // below nr_blocks: accept either.
    const std::uint64_t beyond = kEntriesPerBitmapBlock - (end - first);
    if (!truncated && free_found != nr_free && free_found + beyond != nr_free) {
      findings.add(make_warning(
          DamageKind::kSpaceMapCount, loc, "space-map index entry " + std::to_string(i),
          "nr_free " + std::to_string(nr_free) + ", but bitmap block " + std::to_string(loc) +
              " has " + std::to_string(free_found) + " free"));
    }
  }
}

// Replaces the counts of 3 by the exact counts of the ref-count tree; every block counted 3
// must have an entry there.
void apply_ref_count_tree(const MetadataSource& source, const SpaceMapRoot& root,
                          std::span<const std::uint64_t> overflow, SpaceMapCounts& out,
                          Findings& findings) {
  BtreeWalkOptions options{"space-map ref-count tree", 4, &out.ref_count_nodes, {}};
  std::vector<std::pair<std::uint64_t, std::uint32_t>> exact;
  walk_btree(source, root.ref_count_root, options, findings,
             [&](std::uint64_t key, const std::byte* v) { exact.emplace_back(key, load_le32(v)); });
  const std::uint64_t covered = out.counts.size();
  for (const auto& [block, count] : exact) {
    if (block >= covered) continue;
    if (out.counts[block] != 3) {
      findings.add(make_warning(
          DamageKind::kRefCount, std::nullopt, "space-map ref-count tree",
          "entry for block " + std::to_string(block) + " whose bitmap count is not 3"));
      continue;
    }
    if (count < 3) {
      findings.add(make_warning(
          DamageKind::kRefCount, std::nullopt, "space-map ref-count tree",
          "block " + std::to_string(block) + " has count " + std::to_string(count) + " < 3"));
    }
    out.counts[block] = count;
  }
  std::size_t k = 0;
  for (const auto b : overflow) {
    while (k < exact.size() && exact[k].first < b) ++k;
    if (k >= exact.size() || exact[k].first != b) {
      throw MetadataError(make_error(
          DamageKind::kRefCount, std::nullopt, "space map",
          "block " + std::to_string(b) + " has bitmap count 3 but no entry in the ref-count tree"));
    }
  }
}

}  // namespace

SpaceMapCounts read_space_map(const MetadataSource& source, const SpaceMapRoot& root,
                              Findings& findings) {
  SpaceMapCounts out;
  if (root.nr_blocks > kMaxSpaceMapBlocks) {
    throw MetadataError(make_error(DamageKind::kSpaceMapSize, std::nullopt, "space map",
                                   "nr_blocks " + std::to_string(root.nr_blocks) + " > " +
                                       std::to_string(kMaxSpaceMapBlocks) + " (" +
                                       std::to_string(kMaxIndexEntries) + " bitmap blocks)"));
  }
  // Entries past the device's end cannot be referenced by anything we can read: not kept.
  // (The kernel never references blocks past the device, and every read is range-checked.)
  const bool truncated = root.nr_blocks > source.size_in_blocks();
  if (truncated) {
    findings.add(make_warning(DamageKind::kSpaceMapSize, std::nullopt, "space map",
                              "nr_blocks " + std::to_string(root.nr_blocks) +
                                  " > metadata device size " +
                                  std::to_string(source.size_in_blocks()) + " (truncated image?)"));
  }
  out.index_block = root.bitmap_root;
  out.counts.assign(std::min<std::uint64_t>(root.nr_blocks, source.size_in_blocks()), 0);
  std::vector<std::uint64_t> overflow;
  read_bitmaps(source, root, truncated, out, overflow, findings);
  apply_ref_count_tree(source, root, overflow, out, findings);
  std::uint64_t allocated = 0;
  for (const auto c : out.counts) allocated += c != 0;
  if (!truncated && allocated != root.nr_allocated) {
    findings.add(make_warning(DamageKind::kSpaceMapCount, std::nullopt, "space map",
                              "nr_allocated " + std::to_string(root.nr_allocated) + ", but " +
                                  std::to_string(allocated) + " blocks have a non-zero count"));
  }
  return out;
}

}  // namespace era_metadata
