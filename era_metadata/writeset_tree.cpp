#include "era_metadata/writeset_tree.hpp"

#include <limits>
#include <string>

#include "era_metadata/btree.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

std::vector<WritesetEntry> read_writeset_tree(
    const MetadataSource& source, const Superblock& sb, Findings& findings,
    std::vector<std::uint64_t>* nodes,
    const std::function<void(std::uint64_t, const std::byte*)>* on_node) {
  std::vector<WritesetEntry> out;
  BtreeWalkOptions options{"writeset tree", kWritesetValueSize, nodes, {}};
  if (on_node) options.on_node = *on_node;
  walk_btree(
      source, sb.writeset_tree_root, options, findings, [&](std::uint64_t key, const std::byte* v) {
        if (key > std::numeric_limits<std::uint32_t>::max()) {
          throw MetadataError(
              make_error(DamageKind::kEraTooGreat, std::nullopt, "writeset tree",
                         "era key " + std::to_string(key) + " does not fit in 32 bits"));
        }
        if (key > sb.current_era) {
          throw MetadataError(make_error(DamageKind::kEraTooGreat, std::nullopt, "writeset tree",
                                         "era key " + std::to_string(key) + " > current_era " +
                                             std::to_string(sb.current_era)));
        }
        WritesetEntry e;
        e.era = static_cast<std::uint32_t>(key);
        e.nr_bits = load_le32(v);
        e.bitset_root = load_le64(v + 4);
        out.push_back(e);
      });
  return out;
}

std::optional<std::size_t> BitsetsRead::find(std::uint64_t root, std::uint32_t nr_bits) const {
  const auto it = slots_.find({root, nr_bits});
  if (it == slots_.end()) return std::nullopt;
  return it->second;
}

bool BitsetsRead::add(std::uint64_t root, std::uint32_t nr_bits, std::size_t slot) {
  return slots_.emplace(std::pair{root, nr_bits}, slot).second;
}

}  // namespace era_metadata
