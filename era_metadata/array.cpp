#include "era_metadata/array.hpp"

#include <algorithm>
#include <string>

#include "era_metadata/btree.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

std::uint32_t ArrayRef::entries_per_block() const { return array_block_capacity(value_size); }

std::uint64_t ArrayRef::expected_blocks() const {
  const std::uint64_t m = entries_per_block();
  return (nr_entries + m - 1) / m;
}

std::uint32_t ArrayRef::entries_in_block(std::uint64_t index) const {
  const std::uint64_t m = entries_per_block();
  const std::uint64_t start = index * m;  // index < expected_blocks(): no overflow
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(m, nr_entries - start));
}

void collect_array_blocks(const MetadataSource& source, std::uint64_t root, ArrayRef& array,
                          Findings& findings, std::vector<std::uint64_t>* btree_nodes,
                          const std::function<void(std::uint64_t, const std::byte*)>* on_node) {
  const std::string tree_name = array.name + " btree";
  const std::uint64_t want = array.expected_blocks();
  array.blocks.clear();
  // The tree bounds the count (every entry is a 8-byte value in a node we read), so reserving by
  // the expectation is safe only up to what the device could hold.
  constexpr std::uint64_t kValuesPerLeaf = btree_max_entries(kArrayBtreeValueSize);
  array.blocks.reserve(static_cast<std::size_t>(
      std::min<std::uint64_t>(want, source.size_in_blocks() * kValuesPerLeaf)));
  BtreeWalkOptions options{tree_name, kArrayBtreeValueSize, btree_nodes, {}};
  if (on_node) options.on_node = *on_node;
  walk_btree(source, root, options, findings, [&](std::uint64_t key, const std::byte* value) {
    if (key != array.blocks.size()) {
      throw MetadataError(make_error(DamageKind::kArrayIndices, std::nullopt, tree_name,
                                     "array block indices are not 0..n-1 (key " +
                                         std::to_string(key) + " where " +
                                         std::to_string(array.blocks.size()) + " was expected)"));
    }
    if (array.blocks.size() >= want) {
      throw MetadataError(make_error(DamageKind::kArrayLength, std::nullopt, tree_name,
                                     "more than the " + std::to_string(want) +
                                         " array blocks that " + std::to_string(array.nr_entries) +
                                         " entries need"));
    }
    array.blocks.push_back(load_le64(value));
  });
  if (array.blocks.size() != want) {
    throw MetadataError(make_error(DamageKind::kArrayLength, std::nullopt, tree_name,
                                   std::to_string(array.blocks.size()) + " array blocks, but " +
                                       std::to_string(array.nr_entries) + " entries need " +
                                       std::to_string(want)));
  }
}

std::string array_block_name(const ArrayRef& array, std::uint64_t index, std::uint64_t location) {
  return array.name + " array block #" + std::to_string(index) + " at block " +
         std::to_string(location);
}

std::optional<Damage> validate_array_block(BlockSpan block, std::uint64_t location,
                                           const ArrayRef& array, std::uint64_t index,
                                           bool verify_checksum) noexcept {
  auto bad = [&](DamageKind kind, std::string detail) {
    return make_error(kind, location, array_block_name(array, index, location), std::move(detail));
  };
  if (verify_checksum) {
    if (auto wrong = checksum_damage(block, BlockKind::kArrayBlock, location,
                                     array_block_name(array, index, location),
                                     ChecksumWording::kNotExpected)) {
      return wrong;
    }
  }
  const std::byte* p = block.data();
  const std::uint64_t blocknr = load_le64(p + ablock::kBlocknr);
  if (blocknr != location) {
    return bad(DamageKind::kBlockNr, "blocknr field " + std::to_string(blocknr) + " != location");
  }
  const std::uint32_t vs = load_le32(p + ablock::kValueSize);
  if (vs != array.value_size) {
    return bad(DamageKind::kValueSize,
               "value_size " + std::to_string(vs) + " != " + std::to_string(array.value_size));
  }
  const std::uint32_t max = load_le32(p + ablock::kMaxEntries);
  if (max != array.entries_per_block()) {
    return bad(DamageKind::kMaxEntries, "max_entries " + std::to_string(max) +
                                            " != " + std::to_string(array.entries_per_block()));
  }
  const std::uint32_t nr = load_le32(p + ablock::kNrEntries);
  const std::uint32_t want = array.entries_in_block(index);
  if (nr != want) {
    return bad(DamageKind::kNrEntries, "nr_entries " + std::to_string(nr) + ", expected " +
                                           std::to_string(want) +
                                           (nr > max ? " (and > max_entries)" : ""));
  }
  return std::nullopt;
}

}  // namespace era_metadata
