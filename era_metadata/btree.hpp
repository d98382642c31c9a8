// Validating walk of a persistent-data btree (doc/dm-era-format.md section 3.1, section 11 rows
// 12-22). Each node is checked before it is looked at; entries come out in ascending key order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "era_metadata/checksum.hpp"
#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

inline constexpr unsigned kMaxBtreeDepth = 8;  // 252^8 entries: far beyond any real tree

struct BtreeWalkOptions {
  std::string_view tree_name;         // for messages: "writeset tree", "era array btree", ...
  std::uint32_t leaf_value_size = 0;  // expected value_size of the leaves
  std::vector<std::uint64_t>* nodes = nullptr;  // every node visited, if wanted
  // Called with every node after it passed validation, before its children are visited.
  std::function<void(std::uint64_t location, const std::byte* node)> on_node;
};

// Calls on_entry(key, value) for every leaf entry in ascending key order. `value` points at
// leaf_value_size bytes inside a buffer valid only during the call. Non-fatal findings
// (underfull nodes) go to `findings`. Throws MetadataError carrying the first damage.
void walk_btree(const MetadataSource& source, std::uint64_t root, const BtreeWalkOptions& options,
                Findings& findings,
                const std::function<void(std::uint64_t key, const std::byte* value)>& on_entry);

// Checks one node's header and keys (not its children). Used by walk_btree and by the fuzzer.
// `is_root` relaxes the minimum-fill rules. Returns the damage that makes the node unusable,
// if any; warnings found before it go to `findings`. Allocation failure terminates.
[[nodiscard]] std::optional<Damage> validate_btree_node(BlockSpan node, std::uint64_t location,
                                                        bool is_root,
                                                        const BtreeWalkOptions& options,
                                                        Findings& findings) noexcept;

}  // namespace era_metadata
