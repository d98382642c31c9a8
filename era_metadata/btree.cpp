#include "era_metadata/btree.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "base/aligned_buffer.hpp"
#include "era_metadata/block_runs.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/worker_threads.hpp"

namespace era_metadata {
namespace {

std::string node_name(const BtreeWalkOptions& o, std::uint64_t location) {
  return std::string(o.tree_name) + " node at block " + std::to_string(location);
}

Damage node_damage(DamageKind kind, const BtreeWalkOptions& o, std::uint64_t location,
                   std::string detail) {
  return make_error(kind, location, node_name(o, location), std::move(detail));
}

[[noreturn]] void fail(DamageKind kind, const BtreeWalkOptions& o, std::uint64_t location,
                       std::string detail) {
  throw MetadataError(node_damage(kind, o, location, std::move(detail)));
}

// The children of one internal node, read before they are visited: sorted, contiguous ones in
// one read, runs spread over a few threads. A walk is otherwise one synchronous 4 KiB read per
// node, which on a 456M-block era array (1,800 leaves) costs more than everything else.
// Children that are out of range or fail to read are left for visit() to report in key order.
class ChildPrefetch {
 public:
  ChildPrefetch(const MetadataSource& source, const std::vector<std::uint64_t>& children) {
    std::vector<std::uint64_t> locs;
    for (const std::uint64_t c : children) {
      if (c != 0 && c < source.size_in_blocks()) locs.push_back(c);
    }
    std::sort(locs.begin(), locs.end());
    locs.erase(std::unique(locs.begin(), locs.end()), locs.end());
    if (locs.size() < 2) return;  // nothing gained over visit()'s own read
    buf_ = base::AlignedBuffer(locs.size() * kBlockSize);
    // Locations are distinct, so run.first is also the run's first slot in buf_.
    const std::vector<BlockRun> runs = make_block_runs(
        locs.size(), [&](std::size_t i) { return locs[i]; }, ~std::uint64_t{0});
    std::vector<char> ok(runs.size(), 0);
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t k; (k = next.fetch_add(1)) < runs.size();) {
        try {
          source.read_blocks(runs[k].first_block, runs[k].nr_blocks,
                             buf_.data() + runs[k].first * kBlockSize);
          ok[k] = 1;
        } catch (...) {
          // visit() reads this child again and reports the error in its turn.
        }
      }
    };
    const auto threads = static_cast<unsigned>(
        source.concurrent_reads_help() ? std::min<std::size_t>(4, runs.size()) : 1);
    run_on_threads(threads, worker);
    for (std::size_t k = 0; k < runs.size(); ++k) {
      if (!ok[k]) continue;
      for (std::size_t i = runs[k].first; i < runs[k].end; ++i) slots_.emplace_back(locs[i], i);
    }
  }

  // The block read for `location`, or null.
  [[nodiscard]] const std::byte* find(std::uint64_t location) const {
    auto it = std::lower_bound(slots_.begin(), slots_.end(),
                               std::pair<std::uint64_t, std::size_t>{location, 0});
    if (it == slots_.end() || it->first != location) return nullptr;
    return buf_.data() + it->second * kBlockSize;
  }

 private:
  base::AlignedBuffer buf_;
  std::vector<std::pair<std::uint64_t, std::size_t>> slots_;  // (location, slot), ascending
};

struct Walker {
  const MetadataSource& source;
  const BtreeWalkOptions& options;
  Findings& findings;
  const std::function<void(std::uint64_t, const std::byte*)>& on_entry;
  std::unordered_set<std::uint64_t> visited;
  int leaf_depth = -1;

  // Keys of this subtree must lie in [lo, hi); has_hi false means unbounded above.
  // `prefetched`: the node's block if the parent already read it, else null.
  void visit(std::uint64_t location, unsigned depth, std::uint64_t lo, bool has_hi,
             std::uint64_t hi, std::uint64_t parent, const std::byte* prefetched) {
    if (depth >= kMaxBtreeDepth) {
      fail(DamageKind::kTooDeep, options, location,
           "tree deeper than " + std::to_string(kMaxBtreeDepth) + " levels");
    }
    if (location == 0 || location >= source.size_in_blocks()) {
      throw MetadataError(make_error(
          location == 0 ? DamageKind::kPointerToSuperblock : DamageKind::kPointerPastEnd,
          depth == 0 ? std::nullopt : std::optional<std::uint64_t>(parent),  // the pointer's holder
          std::string(options.tree_name) +
              (depth == 0 ? std::string(" root") : " child of node " + std::to_string(parent)),
          "block " + std::to_string(location) + " is out of range (metadata has " +
              std::to_string(source.size_in_blocks()) + " blocks)"));
    }
    if (!visited.insert(location).second) {
      fail(DamageKind::kCycle, options, location,
           "reached twice (cycle or shared node inside one tree)");
    }
    if (options.nodes) options.nodes->push_back(location);
    alignas(kBlockSize) std::array<std::byte, kBlockSize> buf;
    if (prefetched) {
      std::memcpy(buf.data(), prefetched, kBlockSize);
    } else {
      source.read_blocks(location, 1, buf.data());
    }
    if (auto bad = validate_btree_node(buf, location, depth == 0, options, findings)) {
      throw MetadataError(std::move(*bad));
    }
    const std::uint32_t nr = load_le32(buf.data() + node::kNrEntries);
    if (options.on_node) options.on_node(location, buf.data());
    const std::uint32_t flags = load_le32(buf.data() + node::kFlags);
    const std::uint32_t max = load_le32(buf.data() + node::kMaxEntries);
    const std::uint32_t vs = load_le32(buf.data() + node::kValueSize);
    const std::byte* keys = buf.data() + node::kHeaderSize;
    const std::byte* values = keys + std::size_t{8} * max;
    if (nr > 0) {
      const std::uint64_t first = load_le64(keys);
      const std::uint64_t last = load_le64(keys + 8 * std::size_t{nr - 1});
      if (first < lo) {
        fail(DamageKind::kKeyOutsideParent, options, location,
             "first key " + std::to_string(first) + " is below its parent's key " +
                 std::to_string(lo));
      }
      if (has_hi && last >= hi) {
        fail(DamageKind::kKeyOutsideParent, options, location,
             "last key " + std::to_string(last) + " is not below the next parent key " +
                 std::to_string(hi));
      }
    }
    if (flags == node::kLeaf) {
      if (leaf_depth < 0) leaf_depth = static_cast<int>(depth);
      if (leaf_depth != static_cast<int>(depth)) {
        fail(DamageKind::kLeafDepth, options, location,
             "leaf at depth " + std::to_string(depth) + ", other leaves at depth " +
                 std::to_string(leaf_depth));
      }
      for (std::uint32_t i = 0; i < nr; ++i) {
        on_entry(load_le64(keys + 8 * std::size_t{i}), values + std::size_t{vs} * i);
      }
      return;
    }
    std::vector<std::uint64_t> children(nr), child_keys(nr);
    for (std::uint32_t i = 0; i < nr; ++i) {
      child_keys[i] = load_le64(keys + 8 * std::size_t{i});
      children[i] = load_le64(values + 8 * std::size_t{i});
    }
    const ChildPrefetch prefetch(source, children);
    for (std::uint32_t i = 0; i < nr; ++i) {
      const bool child_has_hi = i + 1 < nr ? true : has_hi;
      const std::uint64_t child_hi = i + 1 < nr ? child_keys[i + 1] : hi;
      visit(children[i], depth + 1, child_keys[i], child_has_hi, child_hi, location,
            prefetch.find(children[i]));
    }
  }
};

}  // namespace

std::optional<Damage> validate_btree_node(BlockSpan node, std::uint64_t location, bool is_root,
                                          const BtreeWalkOptions& options,
                                          Findings& findings) noexcept {
  const std::byte* p = node.data();
  auto bad = [&](DamageKind kind, std::string detail) {
    return node_damage(kind, options, location, std::move(detail));
  };
  if (auto wrong = checksum_damage(node, BlockKind::kBtreeNode, location,
                                   node_name(options, location), ChecksumWording::kNotExpected)) {
    return wrong;
  }
  const std::uint64_t blocknr = load_le64(p + node::kBlocknr);
  if (blocknr != location) {
    return bad(DamageKind::kBlockNr, "blocknr field " + std::to_string(blocknr) + " != location");
  }
  const std::uint32_t flags = load_le32(p + node::kFlags);
  if (flags != node::kInternal && flags != node::kLeaf) {
    return bad(DamageKind::kNodeFlags,
               "flags " + std::to_string(flags) + " is neither INTERNAL (1) nor LEAF (2)");
  }
  const std::uint32_t nr = load_le32(p + node::kNrEntries);
  const std::uint32_t max = load_le32(p + node::kMaxEntries);
  const std::uint32_t vs = load_le32(p + node::kValueSize);
  const bool internal = flags == node::kInternal;
  const std::uint32_t want_vs = internal ? kArrayBtreeValueSize : options.leaf_value_size;
  if (vs != want_vs) {
    return bad(DamageKind::kValueSize, std::string(internal ? "internal" : "leaf") +
                                           " value_size " + std::to_string(vs) +
                                           " != " + std::to_string(want_vs));
  }
  if (node::kHeaderSize + (8 + std::uint64_t{vs}) * max > kBlockSize) {
    return bad(DamageKind::kMaxEntries, "max_entries " + std::to_string(max) +
                                            " too large for value_size " + std::to_string(vs));
  }
  if (nr > max) {
    return bad(DamageKind::kNrEntries,
               "nr_entries " + std::to_string(nr) + " > max_entries " + std::to_string(max));
  }
  if (internal && nr == 0) return bad(DamageKind::kEmptyNode, "internal node with no entries");
  if (!is_root && nr == 0) return bad(DamageKind::kEmptyNode, "empty non-root leaf");
  if (max % 3 != 0) {
    findings.add(make_warning(DamageKind::kMaxEntries, location, node_name(options, location),
                              "max_entries " + std::to_string(max) + " is not a multiple of 3"));
  }
  if (!is_root && nr < max / 3) {
    findings.add(make_warning(
        DamageKind::kUnderfull, location, node_name(options, location),
        "nr_entries " + std::to_string(nr) + " < max_entries/3 (" + std::to_string(max / 3) + ")"));
  }
  const std::byte* keys = p + node::kHeaderSize;
  for (std::uint32_t i = 1; i < nr; ++i) {
    const std::uint64_t a = load_le64(keys + 8 * std::size_t{i - 1});
    const std::uint64_t b = load_le64(keys + 8 * std::size_t{i});
    if (b <= a) {
      return bad(DamageKind::kKeysOutOfOrder, "keys not strictly ascending (key " +
                                                  std::to_string(i) + " = " + std::to_string(b) +
                                                  " after " + std::to_string(a) + ")");
    }
  }
  return std::nullopt;
}

void walk_btree(const MetadataSource& source, std::uint64_t root, const BtreeWalkOptions& options,
                Findings& findings,
                const std::function<void(std::uint64_t key, const std::byte* value)>& on_entry) {
  Walker walker{source, options, findings, on_entry, {}, -1};
  walker.visit(root, 0, 0, false, 0, 0, nullptr);
}

}  // namespace era_metadata
