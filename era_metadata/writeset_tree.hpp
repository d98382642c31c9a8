// The writeset tree (dm-era-format.md section 4.1): era -> {nr_bits, dm-bitset root} of every
// archived writeset that has not been digested into the era array yet.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "era_metadata/metadata_source.hpp"
#include "era_metadata/superblock.hpp"

namespace era_metadata {

struct WritesetEntry {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  std::uint64_t bitset_root = 0;
};

// Walks and validates the writeset tree of `sb` (keys fit in u32 and are <= current_era).
// Entries come out in ascending era order.
[[nodiscard]] std::vector<WritesetEntry> read_writeset_tree(const MetadataSource& source,
                                                            const Superblock& sb,
                                                            std::vector<std::string>* warnings,
                                                            std::vector<std::uint64_t>* nodes = nullptr,
                                                            const std::function<void(std::uint64_t, const std::byte*)>* on_node = nullptr);

// Number of u64 words of a bitset of nr_bits bits.
[[nodiscard]] constexpr std::uint64_t bitset_words(std::uint64_t nr_bits) { return (nr_bits + 63) / 64; }

}  // namespace era_metadata
