// dm-array reading (doc/dm-era-format.md section 3.2): the btree that maps array-block index to
// block location, and validation of the array blocks themselves. The array blocks are the bulk of
// the metadata (1.7 GiB for a 456M-block era array); array_scan.hpp reads them in bulk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "era_metadata/checksum.hpp"
#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

// One dm-array to read: its name for messages, element size, expected length, and (after
// collect_array_blocks) the location of each array block by index.
struct ArrayRef {
  std::string name;                   // "era array", "writeset of era 3", ...
  std::uint32_t value_size = 0;       // 4 (era array) or 8 (bitset words)
  std::uint64_t nr_entries = 0;       // expected number of values
  std::vector<std::uint64_t> blocks;  // array block index -> metadata block
  [[nodiscard]] std::uint32_t entries_per_block() const;
  [[nodiscard]] std::uint64_t expected_blocks() const;
  // Number of values array block `index` must hold: full except the last.
  [[nodiscard]] std::uint32_t entries_in_block(std::uint64_t index) const;
};

// Walks the array's btree from `root`, checks its keys are exactly 0..k-1 with k the number of
// blocks nr_entries needs, and fills array.blocks. Non-fatal findings go to `findings`.
// Throws MetadataError.
void collect_array_blocks(
    const MetadataSource& source, std::uint64_t root, ArrayRef& array, Findings& findings,
    std::vector<std::uint64_t>* btree_nodes = nullptr,
    const std::function<void(std::uint64_t, const std::byte*)>* on_node = nullptr);

// How messages name an array block: "era array array block #3 at block 40".
[[nodiscard]] std::string array_block_name(const ArrayRef& array, std::uint64_t index,
                                           std::uint64_t location);

// The damage of array block `index` of `array` read from `location` (checksum, blocknr,
// value_size, max_entries, nr_entries), if any. The checksum is skipped when the caller already
// verified it (verify_checksum false). Allocation failure for the message terminates.
[[nodiscard]] std::optional<Damage> validate_array_block(BlockSpan block, std::uint64_t location,
                                                         const ArrayRef& array, std::uint64_t index,
                                                         bool verify_checksum = true) noexcept;

}  // namespace era_metadata
