// The writeset tree (doc/dm-era-format.md section 4.1): era -> {nr_bits, dm-bitset root} of
// every archived writeset that has not been digested into the era array yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/superblock.hpp"

namespace era_metadata {

struct WritesetEntry {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  std::uint64_t bitset_root = 0;
};

// Walks and validates the writeset tree of `sb` (keys fit in u32 and are <= current_era).
// Entries come out in ascending era order. Non-fatal findings go to `findings`. Throws
// MetadataError.
[[nodiscard]] std::vector<WritesetEntry> read_writeset_tree(
    const MetadataSource& source, const Superblock& sb, Findings& findings,
    std::vector<std::uint64_t>* nodes = nullptr,
    const std::function<void(std::uint64_t, const std::byte*)>* on_node = nullptr);

// Number of u64 words of a bitset of nr_bits bits.
[[nodiscard]] constexpr std::uint64_t bitset_words(std::uint64_t nr_bits) {
  return (nr_bits + 63) / 64;
}

// Real metadata never shares a bitset between eras; forged metadata could, many times over.
// The readers read each distinct bitset (root and size) once: this remembers which they read,
// and where they put it.
class BitsetsRead {
 public:
  // Where the bitset was put, if it was read already.
  [[nodiscard]] std::optional<std::size_t> find(std::uint64_t root, std::uint32_t nr_bits) const;
  // Records the bitset at `slot`; false (and nothing changed) if it was recorded already.
  bool add(std::uint64_t root, std::uint32_t nr_bits, std::size_t slot = 0);

 private:
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> slots_;
};

}  // namespace era_metadata
