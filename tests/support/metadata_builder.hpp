// Test helper: builds dm-era metadata images in memory, with correct checksums, the layout the
// kernel and the tools use (multi-level btrees, dm-arrays, bitsets, a consistent metadata space
// map, optional snapshot superblock), plus helpers to damage a field afterwards. Independent of
// the reader under test: it writes bytes from the format description only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "era_metadata/checksum.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/format.hpp"

namespace era_test {

namespace em = era_metadata;

struct WritesetSpec {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  std::vector<std::uint64_t> bits;  // set bits (each < nr_bits)
};

struct EraTreesSpec {
  std::uint32_t nr_blocks = 0;
  std::uint32_t current_era = 0;
  std::vector<std::uint32_t> era_array;  // nr_blocks values (missing ones are 0)
  // For huge arrays: value of entry b (used instead of era_array when set).
  std::function<std::uint32_t(std::uint64_t)> era_of;
  std::vector<WritesetSpec> writesets;  // any order; sorted by era when built
  // Full all-zero era-array blocks share one block, as after the kernel grows the array.
  bool share_zero_blocks = false;
};

struct ImageSpec : EraTreesSpec {
  std::uint32_t data_block_size = 128;
  std::uint32_t flags = 0;
  std::optional<WritesetSpec> current_writeset;  // era ignored (it is current_era)
  std::optional<EraTreesSpec> snapshot;          // trees of a held metadata snapshot
  std::uint64_t device_blocks = 0;               // 0: used blocks + 16, at least 1024
};

class MetadataBuilder {
 public:
  // Builds the whole image.
  static std::vector<std::byte> build(const ImageSpec& spec) {
    MetadataBuilder b;
    return b.build_image(spec);
  }

  // Overwrites a little-endian field of `size` 4 or 8 bytes and, if `restamp`, recomputes the
  // block's checksum for the kind its old checksum showed.
  static void patch(std::vector<std::byte>& image, std::uint64_t block, std::size_t offset,
                    std::uint64_t value, std::size_t size, bool restamp = true) {
    std::byte* p = image.data() + block * em::kBlockSize;
    const std::span<std::byte, em::kBlockSize> blk(p, em::kBlockSize);
    const auto kind = em::identify_block(blk);
    if (size == 4) {
      em::store_le32(p + offset, static_cast<std::uint32_t>(value));
    } else {
      em::store_le64(p + offset, value);
    }
    if (restamp && kind) em::stamp_block(blk, *kind);
  }

  static void save(const std::vector<std::byte>& image, const std::string& path) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(image.data()),
            static_cast<std::streamsize>(image.size()));
    if (!f) throw std::runtime_error("cannot write " + path);
  }

  // Block numbers of the structures of the last build (for tests that damage them).
  struct Layout {
    std::uint64_t sm_index = 0, sm_ref_count_root = 0, writeset_tree_root = 0, era_array_root = 0;
    std::vector<std::uint64_t> era_array_blocks;
    std::vector<std::uint64_t> bitset_roots;  // by writeset, ascending era
    std::uint64_t snapshot = 0;
  };
  static Layout& last_layout() {
    static Layout layout;
    return layout;
  }

 private:
  std::vector<std::byte> image_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::uint32_t> refs_;  // block -> reference count

  std::uint64_t alloc() {
    const std::uint64_t b = next_++;
    if (image_.size() < next_ * em::kBlockSize) {
      image_.resize(std::max<std::size_t>(image_.size() * 2, next_ * em::kBlockSize));
    }
    return b;
  }
  std::byte* blk(std::uint64_t b) { return image_.data() + b * em::kBlockSize; }
  void ref(std::uint64_t b) { ++refs_[b]; }
  void stamp(std::uint64_t b, em::BlockKind kind) {
    em::stamp_block(std::span<std::byte, em::kBlockSize>(blk(b), em::kBlockSize), kind);
  }

  // Builds a btree over sorted (key, value) entries; returns the root. Leaves and internal
  // nodes are filled evenly, so every non-root node holds at least max_entries/3.
  std::uint64_t btree(std::uint32_t value_size,
                      const std::vector<std::pair<std::uint64_t, std::vector<std::byte>>>& entries,
                      const std::function<void(const std::vector<std::byte>&)>& on_value_ref = {}) {
    struct Node {
      std::uint64_t first_key, location;
    };
    auto write_level = [&](std::uint32_t vs, std::uint32_t flags, std::size_t n,
                           const std::function<std::uint64_t(std::size_t)>& key_of,
                           const std::function<void(std::size_t, std::byte*)>& value_of) {
      const std::uint32_t max = em::btree_max_entries(vs);
      const std::size_t nodes = std::max<std::size_t>(1, (n + max - 1) / max);
      std::vector<Node> out;
      std::size_t i = 0;
      for (std::size_t k = 0; k < nodes; ++k) {
        const std::size_t take = n / nodes + (k < n % nodes ? 1 : 0);
        const std::uint64_t loc = alloc();
        std::byte* p = blk(loc);
        std::memset(p, 0, em::kBlockSize);
        em::store_le32(p + em::node::kFlags, flags);
        em::store_le64(p + em::node::kBlocknr, loc);
        em::store_le32(p + em::node::kNrEntries, static_cast<std::uint32_t>(take));
        em::store_le32(p + em::node::kMaxEntries, max);
        em::store_le32(p + em::node::kValueSize, vs);
        std::byte* keys = p + em::node::kHeaderSize;
        std::byte* vals = keys + 8 * std::size_t{max};
        out.push_back({take ? key_of(i) : 0, loc});
        for (std::size_t j = 0; j < take; ++j, ++i) {
          em::store_le64(keys + 8 * j, key_of(i));
          value_of(i, vals + vs * j);
        }
        stamp(loc, em::BlockKind::kBtreeNode);
      }
      return out;
    };
    std::vector<Node> level = write_level(
        value_size, em::node::kLeaf, entries.size(),
        [&](std::size_t i) { return entries[i].first; },
        [&](std::size_t i, std::byte* v) {
          std::memcpy(v, entries[i].second.data(), value_size);
          if (on_value_ref) on_value_ref(entries[i].second);
        });
    while (level.size() > 1) {
      const std::vector<Node> children = level;
      level = write_level(
          8, em::node::kInternal, children.size(),
          [&](std::size_t i) { return children[i].first_key; },
          [&](std::size_t i, std::byte* v) {
            em::store_le64(v, children[i].location);
            ref(children[i].location);
          });
    }
    return level[0].location;
  }

  // A dm-array of n values of value_size bytes produced by value_at(i, out).
  std::uint64_t array(std::uint32_t vs, std::uint64_t n,
                      const std::function<void(std::uint64_t, std::byte*)>& value_at,
                      bool share_zero_blocks, std::vector<std::uint64_t>* blocks_out) {
    const std::uint32_t m = em::array_block_capacity(vs);
    const std::uint64_t k = (n + m - 1) / m;
    std::vector<std::pair<std::uint64_t, std::vector<std::byte>>> entries;
    entries.reserve(k);
    std::optional<std::uint64_t> zero_block;
    for (std::uint64_t i = 0; i < k; ++i) {
      const std::uint32_t cnt = static_cast<std::uint32_t>(std::min<std::uint64_t>(m, n - i * m));
      std::vector<std::byte> vals(std::size_t{vs} * cnt);
      for (std::uint32_t j = 0; j < cnt; ++j)
        value_at(i * m + j, vals.data() + std::size_t{vs} * j);
      const bool all_zero =
          std::all_of(vals.begin(), vals.end(), [](std::byte x) { return x == std::byte{0}; });
      std::uint64_t loc;
      if (share_zero_blocks && all_zero && cnt == m && zero_block) {
        loc = *zero_block;
      } else {
        loc = alloc();
        std::byte* p = blk(loc);
        std::memset(p, 0, em::kBlockSize);
        em::store_le32(p + em::ablock::kMaxEntries, m);
        em::store_le32(p + em::ablock::kNrEntries, cnt);
        em::store_le32(p + em::ablock::kValueSize, vs);
        em::store_le64(p + em::ablock::kBlocknr, loc);
        std::memcpy(p + em::ablock::kHeaderSize, vals.data(), vals.size());
        stamp(loc, em::BlockKind::kArrayBlock);
        if (share_zero_blocks && all_zero && cnt == m) zero_block = loc;
      }
      if (blocks_out) blocks_out->push_back(loc);
      std::vector<std::byte> v(8);
      em::store_le64(v.data(), loc);
      entries.emplace_back(i, std::move(v));
    }
    return btree(8, entries,
                 [&](const std::vector<std::byte>& v) { ref(em::load_le64(v.data())); });
  }

  std::uint64_t bitset(const WritesetSpec& ws) {
    const std::uint64_t words = (std::uint64_t{ws.nr_bits} + 63) / 64;
    std::vector<std::uint64_t> w(words);
    for (auto b : ws.bits) w[b / 64] |= std::uint64_t{1} << (b % 64);
    return array(
        8, words, [&](std::uint64_t i, std::byte* out) { em::store_le64(out, w[i]); }, false,
        nullptr);
  }

  struct Roots {
    std::uint64_t writeset_tree, era_array;
  };
  Roots trees(const EraTreesSpec& spec, bool record) {
    Layout& layout = last_layout();
    std::vector<std::uint64_t> era_blocks;
    const std::uint64_t era_root = array(
        4, spec.nr_blocks,
        [&](std::uint64_t i, std::byte* out) {
          std::uint32_t v = 0;
          if (spec.era_of) {
            v = spec.era_of(i);
          } else if (i < spec.era_array.size()) {
            v = spec.era_array[i];
          }
          em::store_le32(out, v);
        },
        spec.share_zero_blocks, &era_blocks);
    std::vector<WritesetSpec> sorted = spec.writesets;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.era < b.era; });
    std::vector<std::pair<std::uint64_t, std::vector<std::byte>>> entries;
    std::vector<std::uint64_t> bitset_roots;
    for (const auto& ws : sorted) {
      const std::uint64_t root = bitset(ws);
      bitset_roots.push_back(root);
      std::vector<std::byte> v(12);
      em::store_le32(v.data(), ws.nr_bits);
      em::store_le64(v.data() + 4, root);
      entries.emplace_back(ws.era, std::move(v));
    }
    const std::uint64_t ws_root = btree(
        12, entries, [&](const std::vector<std::byte>& v) { ref(em::load_le64(v.data() + 4)); });
    if (record) {
      layout.writeset_tree_root = ws_root;
      layout.era_array_root = era_root;
      layout.era_array_blocks = era_blocks;
      layout.bitset_roots = bitset_roots;
    }
    return {ws_root, era_root};
  }

  void superblock(std::uint64_t loc, const ImageSpec& spec, const EraTreesSpec& trees_spec,
                  Roots roots, std::uint64_t current_root, std::uint32_t current_bits,
                  std::uint64_t snap) {
    std::byte* p = blk(loc);
    std::memset(p, 0, em::kBlockSize);
    em::store_le32(p + em::sb::kFlags, spec.flags);
    em::store_le64(p + em::sb::kBlocknr, loc);
    em::store_le64(p + em::sb::kMagic, em::kSuperblockMagic);
    em::store_le32(p + em::sb::kVersion, em::kMetadataVersion);
    em::store_le32(p + em::sb::kDataBlockSize, spec.data_block_size);
    em::store_le32(p + em::sb::kMetadataBlockSize, em::kMetadataBlockSectors);
    em::store_le32(p + em::sb::kNrBlocks, trees_spec.nr_blocks);
    em::store_le32(p + em::sb::kCurrentEra, trees_spec.current_era);
    em::store_le32(p + em::sb::kCurrentWritesetNrBits, current_bits);
    em::store_le64(p + em::sb::kCurrentWritesetRoot, current_root);
    em::store_le64(p + em::sb::kWritesetTreeRoot, roots.writeset_tree);
    em::store_le64(p + em::sb::kEraArrayRoot, roots.era_array);
    em::store_le64(p + em::sb::kMetadataSnap, snap);
  }

  void space_map_root(std::uint64_t sb_loc, std::uint64_t nr_blocks, std::uint64_t allocated,
                      std::uint64_t index, std::uint64_t rc_root) {
    std::byte* p = blk(sb_loc) + em::sb::kSpaceMapRoot;
    em::store_le64(p + em::smroot::kNrBlocks, nr_blocks);
    em::store_le64(p + em::smroot::kNrAllocated, allocated);
    em::store_le64(p + em::smroot::kBitmapRoot, index);
    em::store_le64(p + em::smroot::kRefCountRoot, rc_root);
  }

  std::vector<std::byte> build_image(const ImageSpec& spec) {
    Layout& layout = last_layout();
    layout = Layout{};
    alloc();  // superblock 0
    ref(0);
    const std::uint64_t index = alloc();
    ref(index);
    Roots roots = trees(spec, true);
    ref(roots.writeset_tree);
    ref(roots.era_array);
    std::uint64_t current_root = 0;
    std::uint32_t current_bits = 0;
    if (spec.current_writeset) {
      current_root = bitset(*spec.current_writeset);
      current_bits = spec.current_writeset->nr_bits;
      ref(current_root);
    }
    std::uint64_t snap = 0;
    if (spec.snapshot) {
      Roots sroots = trees(*spec.snapshot, false);
      ref(sroots.writeset_tree);
      ref(sroots.era_array);
      snap = alloc();
      ref(snap);
      superblock(snap, spec, *spec.snapshot, sroots, 0, 0, 0);
      layout.snapshot = snap;
    }
    // Ref-count tree: counts >= 3. Its own blocks and the bitmaps are allocated before the
    // counts are final, so allocate the bitmaps first, then build the tree from the counts.
    std::uint64_t device = spec.device_blocks;
    // Estimate: the blocks used so far, the ref-count tree and the bitmaps, plus slack.
    if (device == 0) device = std::max<std::uint64_t>(1024, next_ + 64 + next_ / 16320 + 16);
    const std::uint64_t nr_bitmaps =
        (device + em::kEntriesPerBitmapBlock - 1) / em::kEntriesPerBitmapBlock;
    if (nr_bitmaps > em::kMaxIndexEntries) throw std::runtime_error("builder: device too large");
    std::vector<std::uint64_t> bitmaps;
    for (std::uint64_t i = 0; i < nr_bitmaps; ++i) {
      bitmaps.push_back(alloc());
      ref(bitmaps.back());
    }
    std::vector<std::pair<std::uint64_t, std::vector<std::byte>>> rc_entries;
    for (auto [b, c] : refs_) {
      if (c >= 3) {
        std::vector<std::byte> v(4);
        em::store_le32(v.data(), c);
        rc_entries.emplace_back(b, std::move(v));
      }
    }
    const std::uint64_t rc_root = btree(4, rc_entries);  // new blocks have count 1 or 2 only
    ref(rc_root);
    if (next_ > device) throw std::runtime_error("builder: device_blocks too small");
    image_.resize(device * em::kBlockSize);
    std::uint64_t allocated = 0;
    for (std::uint64_t i = 0; i < nr_bitmaps; ++i) {
      std::byte* p = blk(bitmaps[i]);
      std::memset(p, 0, em::kBlockSize);
      em::store_le64(p + 8, bitmaps[i]);
      std::uint32_t nr_free = 0;
      const std::uint64_t first = i * em::kEntriesPerBitmapBlock;
      const std::uint64_t end = std::min<std::uint64_t>(device, first + em::kEntriesPerBitmapBlock);
      for (std::uint64_t b = first; b < end; ++b) {
        const auto it = refs_.find(b);
        const std::uint32_t c = it == refs_.end() ? 0 : std::min<std::uint32_t>(it->second, 3);
        if (c == 0)
          ++nr_free;
        else
          ++allocated;
        const std::uint64_t j = b - first;  // entry j: bit 2j worth 2, bit 2j+1 worth 1
        std::byte* words = p + em::kBitmapHeaderSize;
        std::uint64_t w = em::load_le64(words + 8 * (2 * j / 64));
        if (c & 2) w |= std::uint64_t{1} << ((2 * j) % 64);
        if (c & 1) w |= std::uint64_t{1} << ((2 * j + 1) % 64);
        em::store_le64(words + 8 * (2 * j / 64), w);
      }
      stamp(bitmaps[i], em::BlockKind::kSpaceMapBitmap);
      std::byte* e = blk(index) + em::kIndexEntriesOffset + em::kIndexEntrySize * i;
      em::store_le64(e, bitmaps[i]);
      em::store_le32(e + 8, nr_free);
      em::store_le32(e + 12, 0);
    }
    em::store_le64(blk(index) + 8, index);
    stamp(index, em::BlockKind::kSpaceMapIndex);
    layout.sm_index = index;
    layout.sm_ref_count_root = rc_root;
    superblock(0, spec, spec, roots, current_root, current_bits, snap);
    space_map_root(0, device, allocated, index, rc_root);
    stamp(0, em::BlockKind::kSuperblock);
    if (snap) {
      // The snapshot copy carries the space-map root of its time (stale; never followed).
      space_map_root(snap, device, allocated, index, rc_root);
      stamp(snap, em::BlockKind::kSuperblock);
    }
    return std::move(image_);
  }
};

}  // namespace era_test
