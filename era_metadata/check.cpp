#include "era_metadata/check.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "era_metadata/array.hpp"
#include "era_metadata/array_scan.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/space_map.hpp"
#include "era_metadata/superblock.hpp"
#include "era_metadata/writeset_tree.hpp"

namespace era_metadata {
namespace {

// Reference counts as the kernel's transaction manager keeps them: one per pointer held by a
// distinct block (a node shared by the live and the snapshot trees counts its children once).
class RefCounter {
 public:
  explicit RefCounter(std::uint64_t nr_blocks) : refs_(nr_blocks, 0) {}
  void inc(std::uint64_t b) {
    if (b < refs_.size()) {
      ++refs_[b];
    } else {
      outside_.push_back(b);
    }
  }
  // Counts the pointers of a validated btree node once, however often it is reached.
  // value_ptr_offset: where in a leaf value a block pointer sits (-1: leaf values hold none).
  void node(std::uint64_t location, const std::byte* p, int value_ptr_offset) {
    if (!counted_.insert(location).second) return;
    const std::uint32_t flags = load_le32(p + node::kFlags);
    const std::uint32_t nr = load_le32(p + node::kNrEntries);
    const std::uint32_t max = load_le32(p + node::kMaxEntries);
    const std::uint32_t vs = load_le32(p + node::kValueSize);
    const std::byte* values = p + node::kHeaderSize + 8 * std::size_t{max};
    if (flags == node::kInternal) {
      for (std::uint32_t i = 0; i < nr; ++i) inc(load_le64(values + 8 * std::size_t{i}));
    } else if (value_ptr_offset >= 0) {
      for (std::uint32_t i = 0; i < nr; ++i) inc(load_le64(values + std::size_t{vs} * i + value_ptr_offset));
    }
  }
  const std::vector<std::uint32_t>& refs() const { return refs_; }
  const std::vector<std::uint64_t>& outside() const { return outside_; }

 private:
  std::vector<std::uint32_t> refs_;
  std::vector<std::uint64_t> outside_;
  std::unordered_set<std::uint64_t> counted_;
};

struct Checker {
  const MetadataSource& source;
  const CheckOptions& options;
  CheckReport& report;
  RefCounter refs;
  bool counts_complete = true;  // false once a walk failed: the comparison would be noise
  std::vector<ArrayRef> arrays;  // every array to scan, era arrays and bitsets
  std::vector<std::uint32_t> era_limit;  // per array: max era value (era arrays), else 0

  // Row 23 of section 11: a block must play one role only (a node shared by the live and the
  // snapshot trees plays the same role in both).
  std::unordered_map<std::uint64_t, const char*> roles;
  void role(std::uint64_t block, const char* what) {
    const auto [it, inserted] = roles.emplace(block, what);
    if (!inserted && std::string_view(it->second) != what) {
      error("block " + std::to_string(block) + " is used as " + it->second + " and as " + what);
    }
  }

  void error(const std::string& what) {
    report.errors.push_back(what);
    counts_complete = false;
  }

  std::function<void(std::uint64_t, const std::byte*)> counter(int value_ptr_offset, const char* what) {
    return [this, value_ptr_offset, what](std::uint64_t loc, const std::byte* p) {
      role(loc, what);
      refs.node(loc, p, value_ptr_offset);
    };
  }

  std::set<std::pair<std::uint64_t, std::uint32_t>> seen_bitsets;

  void bitset(const std::string& name, std::uint32_t nr_bits, std::uint64_t root) {
    // A bitset shared by several entries (forged metadata) is walked once; its references are
    // counted by the nodes that hold them.
    if (!seen_bitsets.emplace(root, nr_bits).second) return;
    ArrayRef a{name, kBitsetValueSize, bitset_words(nr_bits), {}};
    const auto on_node = counter(0, "a bitset btree node");
    try {
      collect_array_blocks(source, root, a, &report.warnings, nullptr, &on_node);
      arrays.push_back(std::move(a));
      era_limit.push_back(0);
    } catch (const MetadataError& e) {
      error(e.what());
    }
  }

  void trees(const Superblock& sb, bool live) {
    const std::string prefix = live ? "" : "snapshot ";
    refs.inc(sb.writeset_tree_root);
    refs.inc(sb.era_array_root);
    try {
      // writeset value: {u32 nr_bits, u64 root}
      const auto on_node = counter(4, "a writeset tree node");
      for (const auto& ws : read_writeset_tree(source, sb, &report.warnings, nullptr, &on_node)) {
        if (ws.nr_bits != sb.nr_blocks) {
          // Legal after a resize; readers clamp it.
          report.warnings.push_back(prefix + "writeset of era " + std::to_string(ws.era) + ": nr_bits " +
                                    std::to_string(ws.nr_bits) + " != nr_blocks " + std::to_string(sb.nr_blocks));
        }
        bitset(prefix + "writeset of era " + std::to_string(ws.era), ws.nr_bits, ws.bitset_root);
      }
    } catch (const MetadataError& e) {
      error(prefix + e.what());
    }
    ArrayRef era{prefix + "era array", kEraArrayValueSize, sb.nr_blocks, {}};
    const auto on_node = counter(0, "an era array btree node");
    try {
      collect_array_blocks(source, sb.era_array_root, era, &report.warnings, nullptr, &on_node);
      arrays.push_back(std::move(era));
      era_limit.push_back(sb.current_era);
    } catch (const MetadataError& e) {
      error(e.what());
    }
    if (live && sb.current_writeset_root != 0) {
      refs.inc(sb.current_writeset_root);
      bitset("current writeset", sb.current_writeset_nr_bits, sb.current_writeset_root);
    }
  }

  void scan() {
    // Array blocks: validate every one and check era values (their references were counted
    // with the btree leaves that hold them).
    for (const auto& a : arrays) {
      const char* what = a.value_size == kEraArrayValueSize ? "an era array block" : "a bitset array block";
      for (const auto b : a.blocks) role(b, what);
    }
    ArrayScanOptions scan_options;
    scan_options.threads = options.threads;
    std::mutex m;
    std::uint64_t too_great = 0;
    try {
      scan_array_blocks(source, arrays, scan_options, [&](std::size_t id, std::uint64_t index, const std::byte* block) {
        const std::uint32_t limit = era_limit[id];
        if (arrays[id].value_size != kEraArrayValueSize) return;
        const std::uint32_t n = arrays[id].entries_in_block(index);
        for (std::uint32_t j = 0; j < n; ++j) {
          const std::uint32_t v = load_le32(block + ablock::kHeaderSize + 4 * std::size_t{j});
          if (v > limit) {
            std::lock_guard lock(m);
            if (++too_great > 10) continue;
            report.errors.push_back(arrays[id].name + ": data block " + std::to_string(index * kEraEntriesPerBlock + j) +
                                    " has era " + std::to_string(v) + " > current_era " + std::to_string(limit) +
                                    " (era too great)");
          }
        }
      });
    } catch (const MetadataError& e) {
      error(e.what());
    }
    if (too_great > 10) {
      report.errors.push_back(std::to_string(too_great) + " era array entries are > current_era in all");
    }
  }

  void compare_space_map(const Superblock& live) {
    SpaceMapCounts sm;
    try {
      sm = read_space_map(source, live.space_map, &report.warnings);
    } catch (const MetadataError& e) {
      error(e.what());
      return;
    }
    // The space map's own blocks hold one reference each.
    role(sm.index_block, "the space-map index");
    for (const auto b : sm.bitmap_blocks) role(b, "a space-map bitmap");
    for (const auto b : sm.ref_count_nodes) role(b, "a space-map ref-count node");
    if (!counts_complete) {
      report.warnings.push_back("space map: reference counts not compared, the walk was incomplete");
      return;
    }
    RefCounter& r = refs;
    r.inc(sm.index_block);
    for (const auto b : sm.bitmap_blocks) r.inc(b);
    for (const auto b : sm.ref_count_nodes) r.inc(b);
    for (const auto b : r.outside()) {
      report.errors.push_back("block " + std::to_string(b) + " is referenced but lies outside the space map (" +
                              std::to_string(sm.counts.size()) + " blocks)");
    }
    std::size_t shown = 0, differing = 0;
    for (std::uint64_t b = 0; b < sm.counts.size(); ++b) {
      const std::uint32_t walked = r.refs()[b];
      if (walked == sm.counts[b]) continue;
      ++differing;
      if (shown++ < 10) {
        report.warnings.push_back("space map: block " + std::to_string(b) + " has count " +
                                  std::to_string(sm.counts[b]) + ", but " + std::to_string(walked) +
                                  " references were found");
      }
    }
    if (differing > shown) {
      report.warnings.push_back("space map: " + std::to_string(differing) + " blocks differ in all");
    }
  }
};

}  // namespace

CheckReport check_metadata(const MetadataSource& source, const CheckOptions& options) {
  CheckReport report;
  Superblock live;
  try {
    live = read_superblock(source, 0);
  } catch (const MetadataError& e) {
    report.errors.push_back(e.what());
    return report;
  }
  report.warnings = live.warnings;
  std::optional<Superblock> snap;
  if (live.metadata_snap != 0) {
    try {
      if (live.metadata_snap >= source.nr_blocks()) {
        throw MetadataError("superblock: metadata_snap " + std::to_string(live.metadata_snap) +
                            " is past the end of the metadata (" + std::to_string(source.nr_blocks()) + " blocks)");
      }
      snap = read_superblock(source, live.metadata_snap);
      for (const auto& w : snap->warnings) report.warnings.push_back(w);
    } catch (const MetadataError& e) {
      report.errors.push_back(e.what());
    }
  }
  if (options.superblock_only) return report;

  const std::uint64_t sm_blocks = std::min<std::uint64_t>(
      {live.space_map.nr_blocks, kMaxSpaceMapBlocks, source.nr_blocks()});
  Checker c{source, options, report, RefCounter(sm_blocks), true, {}, {}, {}, {}};
  c.refs.inc(0);
  c.role(0, "the superblock");
  c.trees(live, true);
  if (snap) {
    c.refs.inc(snap->location);
    c.role(snap->location, "the snapshot superblock");
    c.trees(*snap, false);
  } else if (live.metadata_snap != 0) {
    c.counts_complete = false;
  }
  c.scan();
  c.compare_space_map(live);
  return report;
}

}  // namespace era_metadata
