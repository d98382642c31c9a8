#include "era_metadata/writer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "era_metadata/checksum.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

namespace {

constexpr std::uint32_t kInternalMaxEntries = btree_max_entries(8);  // 252
constexpr std::size_t kBatchBlocks = 2048;                           // 8 MiB per sink call

std::uint64_t div_up(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// Where a bottom-up built btree lives: levels[0] = leaves, levels.back() = root (1 node).
// Nodes are placed root level first, leaves last, contiguously from `first_block`.
struct BtreePlan {
  std::uint64_t entries = 0;
  std::uint32_t leaf_max = 0;
  std::vector<std::uint64_t> level_nodes;  // node count per level, leaves first
  std::vector<std::uint64_t> level_block;  // first block of each level
  std::uint64_t first_block = 0;
  std::uint64_t nr_nodes = 0;

  [[nodiscard]] std::uint64_t root() const { return level_block.back(); }
};

BtreePlan plan_btree(std::uint64_t entries, std::uint32_t leaf_max, std::uint64_t first_block) {
  BtreePlan p;
  p.entries = entries;
  p.leaf_max = leaf_max;
  p.first_block = first_block;
  p.level_nodes.push_back(entries == 0 ? 1 : div_up(entries, leaf_max));
  while (p.level_nodes.back() > 1)
    p.level_nodes.push_back(div_up(p.level_nodes.back(), kInternalMaxEntries));
  p.level_block.resize(p.level_nodes.size());
  std::uint64_t b = first_block;
  for (std::size_t l = p.level_nodes.size(); l-- > 0;) {
    p.level_block[l] = b;
    b += p.level_nodes[l];
  }
  p.nr_nodes = b - first_block;
  return p;
}

// Even split of n items over m nodes: node j holds [split(j), split(j + 1)). Every non-root
// node then holds at least half its capacity, above the 1/3 minimum the tools check.
// n * j / m without overflow: n = q * m + r gives q * j + r * j / m, and r, j <= m, a node count
// far below 2^32, so r * j fits in 64 bits.
std::uint64_t split(std::uint64_t n, std::uint64_t m, std::uint64_t j) {
  return n / m * j + n % m * j / m;
}

// A dm-array (or bitset) of `length` values of `value_size` bytes: btree then array blocks.
struct ArrayPlan {
  std::uint64_t length = 0;
  std::uint32_t value_size = 0;
  std::uint32_t per_block = 0;
  std::uint64_t nr_array_blocks = 0;
  BtreePlan tree;
  std::uint64_t first_array_block = 0;
  std::uint64_t end_block = 0;
  // Sharing: block_of[i] = location of index i (empty: first_array_block + i). The shared block,
  // used by shared_uses indices, is first_array_block; the distinct blocks follow it.
  std::vector<std::uint64_t> block_of;
  std::uint64_t shared_uses = 0;

  [[nodiscard]] std::uint64_t location(std::uint64_t i) const {
    return block_of.empty() ? first_array_block + i : block_of[i];
  }
};

ArrayPlan plan_array(std::uint64_t length, std::uint32_t value_size, std::uint64_t first_block) {
  ArrayPlan a;
  a.length = length;
  a.value_size = value_size;
  a.per_block = array_block_capacity(value_size);
  a.nr_array_blocks = div_up(length, a.per_block);
  a.tree = plan_btree(a.nr_array_blocks, btree_max_entries(kArrayBtreeValueSize), first_block);
  a.first_array_block = first_block + a.tree.nr_nodes;
  a.end_block = a.first_array_block + a.nr_array_blocks;
  return a;
}

// Like plan_array, but the indices flagged in `shared` all use one block (at first_array_block).
ArrayPlan plan_shared_array(std::uint64_t length, std::uint32_t value_size,
                            std::uint64_t first_block, const std::vector<bool>& shared) {
  ArrayPlan a = plan_array(length, value_size, first_block);
  const auto uses = static_cast<std::uint64_t>(std::count(shared.begin(), shared.end(), true));
  if (uses == 0) return a;
  a.shared_uses = uses;
  a.block_of.resize(a.nr_array_blocks);
  std::uint64_t next = a.first_array_block + 1;
  for (std::uint64_t i = 0; i < a.nr_array_blocks; ++i) {
    a.block_of[i] = shared[i] ? a.first_array_block : next++;
  }
  a.end_block = next;
  return a;
}

// Era-array indices whose block is full and all zero (empty when sharing is off). Calls the
// model's fill once per full block.
std::vector<bool> zero_era_blocks(const EraModel& m, const WriterOptions& o) {
  if (!o.share_zero_era_blocks) return {};
  const std::uint64_t full = m.nr_blocks / kEraEntriesPerBlock;
  std::vector<bool> zero(div_up(m.nr_blocks, kEraEntriesPerBlock), false);
  std::array<std::uint32_t, kEraEntriesPerBlock> vals{};
  for (std::uint64_t k = 0; k < full; ++k) {
    if (!m.era_array) {
      zero[k] = true;
      continue;
    }
    m.era_array(k * kEraEntriesPerBlock, vals.data(), vals.size());
    zero[k] = std::all_of(vals.begin(), vals.end(), [](std::uint32_t v) { return v == 0; });
  }
  return zero;
}

struct Layout {
  std::uint64_t sm_nr_blocks = 0;  // blocks the space map covers
  std::uint64_t nr_bitmaps = 0;
  BtreePlan writeset_tree;
  std::vector<ArrayPlan> bitsets;  // one per archived writeset
  std::optional<ArrayPlan> current;
  ArrayPlan era_array;
  std::uint64_t used = 0;  // blocks 0..used-1 are allocated, each with reference count 1
  // ... but for the era array's shared block, if any, whose count is shared_uses.
  std::uint64_t shared_block = 0;
  std::uint64_t shared_uses = 0;
};

Layout plan_layout(const EraModel& m, std::uint64_t device_blocks,
                   const std::vector<bool>& zero_era) {
  Layout l;
  l.sm_nr_blocks = std::min(device_blocks, kMaxSpaceMapBlocks);
  l.nr_bitmaps = std::max<std::uint64_t>(1, div_up(l.sm_nr_blocks, kEntriesPerBitmapBlock));
  std::uint64_t b = 3 + l.nr_bitmaps;  // sb, index, ref-count leaf, bitmaps
  l.writeset_tree = plan_btree(m.writesets.size(), btree_max_entries(kWritesetValueSize), b);
  b += l.writeset_tree.nr_nodes;
  for (const auto& ws : m.writesets) {
    l.bitsets.push_back(plan_array(div_up(ws.nr_bits, 64), kBitsetValueSize, b));
    b = l.bitsets.back().end_block;
  }
  if (m.current_writeset) {
    l.current = plan_array(div_up(m.current_writeset->nr_bits, 64), kBitsetValueSize, b);
    b = l.current->end_block;
  }
  l.era_array = zero_era.empty() ? plan_array(m.nr_blocks, kEraArrayValueSize, b)
                                 : plan_shared_array(m.nr_blocks, kEraArrayValueSize, b, zero_era);
  l.used = l.era_array.end_block;
  l.shared_uses = l.era_array.shared_uses;
  if (l.shared_uses) l.shared_block = l.era_array.first_array_block;
  return l;
}

void validate_model(const EraModel& m) {
  const auto check_ws = [](const WritesetModel& ws, const char* what) {
    if (!ws.fill && ws.words.size() != div_up(ws.nr_bits, 64)) {
      throw WriterError(std::string(what) + " era " + std::to_string(ws.era) + ": " +
                        std::to_string(ws.words.size()) + " words for nr_bits " +
                        std::to_string(ws.nr_bits));
    }
  };
  for (std::size_t i = 0; i < m.writesets.size(); ++i) {
    check_ws(m.writesets[i], "writeset");
    if (i > 0 && m.writesets[i].era <= m.writesets[i - 1].era) {
      throw WriterError(
          "writeset eras not strictly ascending: " + std::to_string(m.writesets[i - 1].era) +
          " then " + std::to_string(m.writesets[i].era));
    }
  }
  if (m.current_writeset) check_ws(*m.current_writeset, "current writeset");
}

// Collects consecutive blocks and hands them to the sink in large batches.
class BlockEmitter {
 public:
  explicit BlockEmitter(MetadataSink& sink) : sink_(sink), buf_(kBatchBlocks * kBlockSize) {}

  // The next block (index next_block()), zeroed; valid until the next call.
  std::byte* next() {
    if (fill_ == kBatchBlocks) flush();
    std::byte* p = buf_.data() + fill_ * kBlockSize;
    std::memset(p, 0, kBlockSize);
    ++fill_;
    return p;
  }
  [[nodiscard]] std::uint64_t next_block() const { return first_ + fill_; }
  [[nodiscard]] std::uint64_t current_block() const { return first_ + fill_ - 1; }

  void flush() {
    if (fill_ == 0) return;
    sink_.write_blocks(first_, std::span<const std::byte>(buf_.data(), fill_ * kBlockSize));
    first_ += fill_;
    fill_ = 0;
  }

 private:
  MetadataSink& sink_;
  std::vector<std::byte> buf_;
  std::uint64_t first_ = 0;
  std::size_t fill_ = 0;
};

void stamp(std::byte* block, BlockKind kind) {
  stamp_block(std::span<std::byte, kBlockSize>(block, kBlockSize), kind);
}

void node_header(std::byte* p, std::uint64_t blocknr, bool leaf, std::uint32_t nr_entries,
                 std::uint32_t max_entries, std::uint32_t value_size) {
  store_le32(p + node::kFlags, leaf ? node::kLeaf : node::kInternal);
  store_le64(p + node::kBlocknr, blocknr);
  store_le32(p + node::kNrEntries, nr_entries);
  store_le32(p + node::kMaxEntries, max_entries);
  store_le32(p + node::kValueSize, value_size);
}

// Emits a planned btree. key(i) gives entry i's key; value(i, dst) writes its value.
template <typename KeyFn, typename ValueFn>
void emit_btree(BlockEmitter& out, const BtreePlan& p, std::uint32_t value_size, KeyFn key,
                ValueFn value) {
  for (std::size_t l = p.level_nodes.size(); l-- > 0;) {
    const std::uint64_t n = p.level_nodes[l];
    const std::uint64_t items = l == 0 ? p.entries : p.level_nodes[l - 1];
    for (std::uint64_t j = 0; j < n; ++j) {
      std::byte* blk = out.next();
      const std::uint64_t lo = split(items, n, j), hi = split(items, n, j + 1);
      const auto cnt = static_cast<std::uint32_t>(hi - lo);
      if (l == 0) {
        node_header(blk, out.current_block(), true, cnt, p.leaf_max, value_size);
        std::byte* keys = blk + node::kHeaderSize;
        std::byte* vals = keys + 8 * std::size_t{p.leaf_max};
        for (std::uint64_t i = lo; i < hi; ++i) {
          store_le64(keys + 8 * (i - lo), key(i));
          value(i, vals + value_size * (i - lo));
        }
      } else {
        node_header(blk, out.current_block(), false, cnt, kInternalMaxEntries, 8);
        std::byte* keys = blk + node::kHeaderSize;
        std::byte* vals = keys + 8 * std::size_t{kInternalMaxEntries};
        for (std::uint64_t c = lo; c < hi; ++c) {
          // Leftmost entry under child c of level l-1: descend through first children.
          std::uint64_t idx = c;
          for (std::size_t d = l - 1; d > 0; --d)
            idx = split(p.level_nodes[d - 1], p.level_nodes[d], idx);
          const std::uint64_t entry = split(p.entries, p.level_nodes[0], idx);
          store_le64(keys + 8 * (c - lo), key(entry));
          store_le64(vals + 8 * (c - lo), p.level_block[l - 1] + c);
        }
      }
      stamp(blk, BlockKind::kBtreeNode);
    }
  }
}

// Emits a planned dm-array; fill(first, dst, count) writes `count` packed values.
template <typename FillFn>
void emit_array(BlockEmitter& out, const ArrayPlan& a, FillFn fill) {
  emit_btree(
      out, a.tree, kArrayBtreeValueSize, [](std::uint64_t i) { return i; },
      [&](std::uint64_t i, std::byte* dst) { store_le64(dst, a.location(i)); });
  if (a.shared_uses) {
    // The shared block: full, every value zero (what dm-array's resize inserts).
    std::byte* blk = out.next();
    store_le32(blk + ablock::kMaxEntries, a.per_block);
    store_le32(blk + ablock::kNrEntries, a.per_block);
    store_le32(blk + ablock::kValueSize, a.value_size);
    store_le64(blk + ablock::kBlocknr, out.current_block());
    stamp(blk, BlockKind::kArrayBlock);
  }
  for (std::uint64_t k = 0; k < a.nr_array_blocks; ++k) {
    if (a.location(k) == a.first_array_block && a.shared_uses) continue;
    std::byte* blk = out.next();
    const std::uint64_t first = k * a.per_block;
    const auto cnt =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(a.per_block, a.length - first));
    store_le32(blk + ablock::kMaxEntries, a.per_block);
    store_le32(blk + ablock::kNrEntries, cnt);
    store_le32(blk + ablock::kValueSize, a.value_size);
    store_le64(blk + ablock::kBlocknr, out.current_block());
    fill(first, blk + ablock::kHeaderSize, cnt);
    stamp(blk, BlockKind::kArrayBlock);
  }
}

void emit_bitset(BlockEmitter& out, const ArrayPlan& a, const WritesetModel& ws) {
  std::array<std::uint64_t, kBitsetWordsPerBlock> words{};
  emit_array(out, a, [&](std::uint64_t first, std::byte* dst, std::uint32_t cnt) {
    if (ws.fill) ws.fill(first, words.data(), cnt);
    for (std::uint32_t i = 0; i < cnt; ++i) {
      const std::uint64_t w = first + i;
      std::uint64_t v = ws.fill ? words[i] : ws.words[w];
      const std::uint64_t valid = ws.nr_bits - w * 64;  // bits of this word below nr_bits
      if (valid < 64) v &= (std::uint64_t{1} << valid) - 1;
      store_le64(dst + 8 * i, v);
    }
  });
}

void emit_space_map(BlockEmitter& out, const Layout& l) {
  // Index block (block 1): one entry per bitmap; bitmaps at 3.. ; all used blocks count 1.
  std::byte* idx = out.next();
  store_le64(idx + 8, 1);
  for (std::uint64_t i = 0; i < l.nr_bitmaps; ++i) {
    const std::uint64_t lo = i * kEntriesPerBitmapBlock;
    const std::uint64_t hi = std::min(lo + kEntriesPerBitmapBlock, l.sm_nr_blocks);
    const std::uint64_t used_here = std::clamp(l.used, lo, hi) - lo;
    std::byte* e = idx + kIndexEntriesOffset + kIndexEntrySize * i;
    store_le64(e, 3 + i);
    store_le32(e + 8, static_cast<std::uint32_t>(hi - lo - used_here));
    store_le32(e + 12, static_cast<std::uint32_t>(used_here));  // none_free_before hint
  }
  stamp(idx, BlockKind::kSpaceMapIndex);

  // Ref-count btree (block 2): holds the counts >= 3 (the 2-bit entries saturate at 3), i.e.
  // at most the era array's shared block.
  std::byte* rc = out.next();
  const bool big = l.shared_uses >= 3;
  node_header(rc, 2, true, big ? 1 : 0, btree_max_entries(4), 4);
  if (big) {
    store_le64(rc + node::kHeaderSize, l.shared_block);
    store_le32(rc + node::kHeaderSize + 8 * std::size_t{btree_max_entries(4)},
               static_cast<std::uint32_t>(l.shared_uses));
  }
  stamp(rc, BlockKind::kBtreeNode);

  for (std::uint64_t i = 0; i < l.nr_bitmaps; ++i) {
    std::byte* bm = out.next();
    store_le64(bm + 8, out.current_block());
    const std::uint64_t lo = i * kEntriesPerBitmapBlock;
    const std::uint64_t n = std::clamp(l.used, lo, lo + kEntriesPerBitmapBlock) - lo;
    std::byte* words = bm + kBitmapHeaderSize;
    // Count 1 = the odd bit of each 2-bit entry; 32 entries per u64 word.
    for (std::uint64_t w = 0; w * 32 < n; ++w) {
      const std::uint64_t in_word = std::min<std::uint64_t>(32, n - w * 32);
      const std::uint64_t mask =
          in_word == 32 ? ~std::uint64_t{0} : (std::uint64_t{1} << (2 * in_word)) - 1;
      store_le64(words + 8 * w, 0xAAAAAAAAAAAAAAAAull & mask);
    }
    if (l.shared_uses > 1 && l.shared_block >= lo && l.shared_block < lo + kEntriesPerBitmapBlock) {
      // Entry e is bits 2e (value 2) and 2e + 1 (value 1) of the little-endian bitmap.
      const std::uint64_t e = l.shared_block - lo;
      const std::uint64_t v = std::min<std::uint64_t>(l.shared_uses, 3);
      std::byte* wp = words + 8 * (e / 32);
      std::uint64_t word = load_le64(wp) & ~(std::uint64_t{3} << (2 * (e % 32)));
      word |= (((v & 1) << 1) | (v >> 1)) << (2 * (e % 32));
      store_le64(wp, word);
    }
    stamp(bm, BlockKind::kSpaceMapBitmap);
  }
}

void emit_superblock(BlockEmitter& out, const EraModel& m, const Layout& l) {
  std::byte* sbk = out.next();
  store_le64(sbk + sb::kMagic, kSuperblockMagic);
  store_le32(sbk + sb::kVersion, kMetadataVersion);
  std::byte* smr = sbk + sb::kSpaceMapRoot;
  store_le64(smr + smroot::kNrBlocks, l.sm_nr_blocks);
  store_le64(smr + smroot::kNrAllocated, l.used);
  store_le64(smr + smroot::kBitmapRoot, 1);
  store_le64(smr + smroot::kRefCountRoot, 2);
  store_le32(sbk + sb::kDataBlockSize, m.data_block_size);
  store_le32(sbk + sb::kMetadataBlockSize, kMetadataBlockSectors);
  store_le32(sbk + sb::kNrBlocks, m.nr_blocks);
  store_le32(sbk + sb::kCurrentEra, m.current_era);
  if (m.current_writeset) {
    store_le32(sbk + sb::kCurrentWritesetNrBits, m.current_writeset->nr_bits);
    store_le64(sbk + sb::kCurrentWritesetRoot, l.current->tree.root());
  }
  store_le64(sbk + sb::kWritesetTreeRoot, l.writeset_tree.root());
  store_le64(sbk + sb::kEraArrayRoot, l.era_array.tree.root());
  stamp(sbk, BlockKind::kSuperblock);
}

}  // namespace

MemoryMetadataSink::MemoryMetadataSink(std::uint64_t nr_blocks) : image_(nr_blocks * kBlockSize) {}

void MemoryMetadataSink::write_blocks(std::uint64_t first_block, std::span<const std::byte> data) {
  const std::uint64_t off = first_block * kBlockSize;
  if (data.size() % kBlockSize != 0 || off > image_.size() || data.size() > image_.size() - off) {
    throw WriterError("memory sink: write of " + std::to_string(data.size()) + " bytes at block " +
                      std::to_string(first_block) + " is outside the device");
  }
  std::memcpy(image_.data() + off, data.data(), data.size());
}

EraArrayFill era_array_from(std::vector<std::uint32_t> values) {
  return [v = std::move(values)](std::uint64_t first, std::uint32_t* out, std::size_t count) {
    const std::size_t avail = first < v.size() ? std::min(count, v.size() - first) : 0;
    if (avail) std::memcpy(out, v.data() + first, avail * sizeof(std::uint32_t));
    std::fill(out + avail, out + count, 0u);
  };
}

std::uint64_t metadata_blocks_needed(const EraModel& model, const WriterOptions& options) {
  const std::vector<bool> zero = zero_era_blocks(model, options);
  // The bitmap count depends on the device size; grow until the layout fits.
  std::uint64_t dev = 4;
  for (;;) {
    const std::uint64_t used = plan_layout(model, dev, zero).used;
    if (used <= dev) return dev;
    dev = used;
  }
}

void write_metadata(const EraModel& m, std::uint64_t device_blocks, MetadataSink& sink,
                    const WriterOptions& options) {
  validate_model(m);
  const Layout l = plan_layout(m, device_blocks, zero_era_blocks(m, options));
  if (l.used > l.sm_nr_blocks) {
    throw WriterError(
        "metadata device too small: the metadata needs " + std::to_string(l.used) +
        " blocks of 4 KiB, the device has " + std::to_string(device_blocks) +
        (device_blocks > kMaxSpaceMapBlocks
             ? " (the space map can address only " + std::to_string(kMaxSpaceMapBlocks) + ")"
             : std::string()));
  }

  BlockEmitter out(sink);
  emit_superblock(out, m, l);
  emit_space_map(out, l);
  emit_btree(
      out, l.writeset_tree, kWritesetValueSize,
      [&](std::uint64_t i) { return std::uint64_t{m.writesets[i].era}; },
      [&](std::uint64_t i, std::byte* dst) {
        store_le32(dst, m.writesets[i].nr_bits);
        store_le64(dst + 4, l.bitsets[i].tree.root());
      });
  for (std::size_t i = 0; i < m.writesets.size(); ++i)
    emit_bitset(out, l.bitsets[i], m.writesets[i]);
  if (m.current_writeset) emit_bitset(out, *l.current, *m.current_writeset);

  std::array<std::uint32_t, kEraEntriesPerBlock> vals{};
  emit_array(out, l.era_array, [&](std::uint64_t first, std::byte* dst, std::uint32_t cnt) {
    if (m.era_array) {
      m.era_array(first, vals.data(), cnt);
    } else {
      std::fill_n(vals.data(), cnt, 0u);
    }
    std::memcpy(dst, vals.data(), std::size_t{cnt} * 4);  // host is little-endian (endian.hpp)
  });
  out.flush();
}

}  // namespace era_metadata
