#include "era_metadata/check.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

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
      for (std::uint32_t i = 0; i < nr; ++i)
        inc(load_le64(values + std::size_t{vs} * i + value_ptr_offset));
    }
  }
  const std::vector<std::uint32_t>& refs() const { return refs_; }
  const std::vector<std::uint64_t>& outside() const { return outside_; }

 private:
  std::vector<std::uint32_t> refs_;
  std::vector<std::uint64_t> outside_;
  std::unordered_set<std::uint64_t> counted_;
};

// Differences of one kind: how many, and how many were reported one by one (the first 10).
struct Tally {
  std::size_t shown = 0;
  std::size_t differing = 0;
  // Counts one more; true while it is still to be reported by itself.
  bool count() {
    ++differing;
    if (shown >= 10) return false;
    ++shown;
    return true;
  }
};

class Checker {
 public:
  Checker(const MetadataSource& source, const CheckOptions& options, Findings& findings,
          std::uint64_t space_map_blocks)
      : source_(source), options_(options), findings_(findings), refs_(space_map_blocks) {}

  // A superblock at `location` (0 or the snapshot's) holds one reference and plays one role.
  void superblock(std::uint64_t location, const char* what) {
    refs_.inc(location);
    role(location, what);
  }

  // The snapshot superblock could not be read: its trees are not counted.
  void snapshot_unreadable() { counts_complete_ = false; }

  void trees(const Superblock& sb, bool live) {
    const std::string prefix = live ? "" : "snapshot ";
    refs_.inc(sb.writeset_tree_root);
    refs_.inc(sb.era_array_root);
    guarded(prefix, [&] {
      // writeset value: {u32 nr_bits, u64 root}
      const auto on_node = counter(4, "a writeset tree node");
      for (const auto& ws : read_writeset_tree(source_, sb, findings_, nullptr, &on_node)) {
        if (ws.nr_bits != sb.nr_blocks) {
          // Legal after a resize; readers clamp it.
          findings_.add(make_warning(DamageKind::kBitsetSize, std::nullopt,
                                     prefix + "writeset of era " + std::to_string(ws.era),
                                     "nr_bits " + std::to_string(ws.nr_bits) + " != nr_blocks " +
                                         std::to_string(sb.nr_blocks)));
        }
        bitset(prefix + "writeset of era " + std::to_string(ws.era), ws.nr_bits, ws.bitset_root);
      }
    });
    ArrayRef era{prefix + "era array", kEraArrayValueSize, sb.nr_blocks, {}};
    const auto on_node = counter(0, "an era array btree node");
    guarded("", [&] {
      collect_array_blocks(source_, sb.era_array_root, era, findings_, nullptr, &on_node);
      arrays_.push_back(std::move(era));
      era_limit_.push_back(sb.current_era);
    });
    if (live && sb.current_writeset_root != 0) {
      refs_.inc(sb.current_writeset_root);
      bitset("current writeset", sb.current_writeset_nr_bits, sb.current_writeset_root);
    }
  }

  // Array blocks: validate every one and check era values (their references were counted
  // with the btree leaves that hold them).
  void scan() {
    for (const auto& a : arrays_) {
      const char* what =
          a.value_size == kEraArrayValueSize ? "an era array block" : "a bitset array block";
      for (const auto b : a.blocks) role(b, what);
    }
    ArrayScanOptions scan_options;
    scan_options.threads = options_.threads;
    std::mutex m;
    std::uint64_t too_great = 0;
    guarded("", [&] {
      scan_array_blocks(source_, arrays_, scan_options,
                        [&](std::size_t id, std::uint64_t index, const std::byte* block) {
                          const ArrayRef& a = arrays_[id];
                          if (a.value_size != kEraArrayValueSize) return;
                          const std::uint32_t limit = era_limit_[id];
                          const std::uint32_t n = a.entries_in_block(index);
                          for (std::uint32_t j = 0; j < n; ++j) {
                            const std::uint32_t v =
                                load_le32(block + ablock::kHeaderSize + 4 * std::size_t{j});
                            if (v <= limit) continue;
                            std::lock_guard lock(m);
                            if (++too_great > 10) continue;
                            findings_.add(make_error(
                                DamageKind::kEraTooGreat, a.blocks[index], a.name,
                                "data block " + std::to_string(index * kEraEntriesPerBlock + j) +
                                    " has era " + std::to_string(v) + " > current_era " +
                                    std::to_string(limit) + " (era too great)"));
                          }
                        });
    });
    if (too_great > 10) {
      findings_.add(
          make_error(DamageKind::kEraTooGreat, std::nullopt, "",
                     std::to_string(too_great) + " era array entries are > current_era in all"));
    }
  }

  void compare_space_map(const Superblock& live) {
    SpaceMapCounts sm;
    if (!guarded("", [&] { sm = read_space_map(source_, live.space_map, findings_); })) return;
    // The space map's own blocks hold one reference each.
    role(sm.index_block, "the space-map index");
    for (const auto b : sm.bitmap_blocks) role(b, "a space-map bitmap");
    for (const auto b : sm.ref_count_nodes) role(b, "a space-map ref-count node");
    if (!counts_complete_) {
      findings_.add(make_warning(DamageKind::kIncompleteWalk, std::nullopt, "space map",
                                 "reference counts not compared, the walk was incomplete"));
      return;
    }
    refs_.inc(sm.index_block);
    for (const auto b : sm.bitmap_blocks) refs_.inc(b);
    for (const auto b : sm.ref_count_nodes) refs_.inc(b);
    for (const auto b : refs_.outside()) {
      findings_.add(make_error(DamageKind::kRefCount, b, "",
                               "block " + std::to_string(b) +
                                   " is referenced but lies outside the space map (" +
                                   std::to_string(sm.counts.size()) + " blocks)"));
    }
    // A count above the references found is a leak: the block stays allocated, nothing is lost
    // (the kernel tolerates it, as thin_check does). A count below them is corruption: the kernel
    // may free and reuse a block that is still referenced (two eras sharing one bitset), so the
    // metadata must not be trusted (D15; doc/dm-era-format.md section 11 row 30).
    Tally leaked, undercounted;
    for (std::uint64_t b = 0; b < sm.counts.size(); ++b) {
      const std::uint32_t walked = refs_.refs()[b];
      if (walked == sm.counts[b]) continue;
      const std::string detail = "block " + std::to_string(b) + " has count " +
                                 std::to_string(sm.counts[b]) + ", but " + std::to_string(walked) +
                                 " references were found";
      if (sm.counts[b] > walked) {
        if (leaked.count())
          findings_.add(make_warning(DamageKind::kRefCount, b, "space map", detail));
      } else if (undercounted.count()) {
        findings_.add(make_error(
            DamageKind::kRefCount, b, "space map",
            detail + " (a count below the references: the kernel could reuse a block in use)"));
      }
    }
    if (leaked.differing > leaked.shown) {
      findings_.add(make_warning(
          DamageKind::kRefCount, std::nullopt, "space map",
          std::to_string(leaked.differing) + " blocks have a count above their references in all"));
    }
    if (undercounted.differing > undercounted.shown) {
      findings_.add(make_error(DamageKind::kRefCount, std::nullopt, "space map",
                               std::to_string(undercounted.differing) +
                                   " blocks have a count below their references in all"));
    }
  }

 private:
  // Runs one walk; damage it throws becomes an error finding (with `prefix` before its
  // message) and marks the walk incomplete. Returns whether the walk finished.
  template <typename F>
  bool guarded(std::string_view prefix, F&& walk) {
    try {
      walk();
      return true;
    } catch (const MetadataError& e) {
      error(with_prefix(e.damage(), prefix));
      return false;
    }
  }

  void error(Damage damage) {
    findings_.add(std::move(damage));
    counts_complete_ = false;
  }

  // Row 23 of section 11: a block must play one role only (a node shared by the live and the
  // snapshot trees plays the same role in both).
  void role(std::uint64_t block, const char* what) {
    const auto [it, inserted] = roles_.emplace(block, what);
    if (!inserted && std::string_view(it->second) != what) {
      error(make_error(
          DamageKind::kRoleConflict, block, "",
          "block " + std::to_string(block) + " is used as " + it->second + " and as " + what));
    }
  }

  std::function<void(std::uint64_t, const std::byte*)> counter(int value_ptr_offset,
                                                               const char* what) {
    return [this, value_ptr_offset, what](std::uint64_t loc, const std::byte* p) {
      role(loc, what);
      refs_.node(loc, p, value_ptr_offset);
    };
  }

  void bitset(const std::string& name, std::uint32_t nr_bits, std::uint64_t root) {
    // A shared bitset's references are counted by the nodes that hold them: walked once.
    if (!bitsets_read_.add(root, nr_bits)) return;
    ArrayRef a{name, kBitsetValueSize, bitset_words(nr_bits), {}};
    const auto on_node = counter(0, "a bitset btree node");
    guarded("", [&] {
      collect_array_blocks(source_, root, a, findings_, nullptr, &on_node);
      arrays_.push_back(std::move(a));
      era_limit_.push_back(0);
    });
  }

  const MetadataSource& source_;
  const CheckOptions& options_;
  Findings& findings_;
  RefCounter refs_;
  bool counts_complete_ = true;           // false once a walk failed: the comparison would be noise
  std::vector<ArrayRef> arrays_;          // every array to scan, era arrays and bitsets
  std::vector<std::uint32_t> era_limit_;  // per array: max era value (era arrays), else 0
  std::unordered_map<std::uint64_t, const char*> roles_;
  BitsetsRead bitsets_read_;
};

// The live superblock, and the snapshot's if one is held; their damage goes to `findings`.
struct Superblocks {
  std::optional<Superblock> live;
  std::optional<Superblock> snapshot;
};

Superblocks read_superblocks(const MetadataSource& source, Findings& findings) {
  Superblocks sbs;
  try {
    sbs.live = read_superblock(source, 0, findings);
    if (sbs.live->metadata_snap != 0) {
      sbs.snapshot = read_superblock(source, snapshot_location(source, *sbs.live), findings);
    }
  } catch (const MetadataError& e) {
    findings.add(e.damage());
  }
  return sbs;
}

}  // namespace

Findings check_metadata(const MetadataSource& source, const CheckOptions& options) {
  Findings findings;
  const Superblocks sbs = read_superblocks(source, findings);
  if (!sbs.live || options.superblock_only) return findings;
  const Superblock& live = *sbs.live;
  const std::uint64_t sm_blocks = std::min<std::uint64_t>(
      {live.space_map.nr_blocks, kMaxSpaceMapBlocks, source.size_in_blocks()});
  Checker c(source, options, findings, sm_blocks);
  c.superblock(0, "the superblock");
  c.trees(live, true);
  if (sbs.snapshot) {
    c.superblock(sbs.snapshot->location, "the snapshot superblock");
    c.trees(*sbs.snapshot, false);
  } else if (live.metadata_snap != 0) {
    c.snapshot_unreadable();
  }
  c.scan();
  c.compare_space_map(live);
  return findings;
}

}  // namespace era_metadata
