#include "era_metadata/written_since.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "era_metadata/array.hpp"
#include "era_metadata/array_scan.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/superblock.hpp"
#include "era_metadata/writeset_tree.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace era_metadata {
namespace {

// Bits 0..n-1 (n <= 64): bit j set if vals[j] > threshold; *too_great set if any vals[j] > max.
// Unsigned compares done as signed compares of biased values (SSE2 has no unsigned compare).
std::uint64_t mask_greater(const std::byte* vals, std::uint32_t n, std::uint32_t threshold,
                           std::uint32_t max, bool* too_great) {
  std::uint64_t mask = 0;
  std::uint32_t j = 0;
#if defined(__SSE2__)
  const __m128i bias = _mm_set1_epi32(static_cast<int>(0x80000000u));
  const __m128i t = _mm_set1_epi32(static_cast<int>(threshold ^ 0x80000000u));
  const __m128i m = _mm_set1_epi32(static_cast<int>(max ^ 0x80000000u));
  __m128i bad = _mm_setzero_si128();
  for (; j + 4 <= n; j += 4) {
    const __m128i v = _mm_xor_si128(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(vals + 4 * std::size_t{j})), bias);
    const int bits = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(v, t)));
    mask |= static_cast<std::uint64_t>(bits) << j;
    bad = _mm_or_si128(bad, _mm_cmpgt_epi32(v, m));
  }
  if (_mm_movemask_epi8(bad) != 0) *too_great = true;
#endif
  for (; j < n; ++j) {
    const std::uint32_t v = load_le32(vals + 4 * std::size_t{j});
    mask |= static_cast<std::uint64_t>(v > threshold) << j;
    if (v > max) *too_great = true;
  }
  return mask;
}

// The largest of n little-endian u32 values (0 when n == 0).
std::uint32_t max_value(const std::byte* vals, std::uint32_t n) {
  std::uint32_t best = 0;
  std::uint32_t j = 0;
#if defined(__SSE2__)
  // Unsigned max from SSE2's signed compare on biased values; the bias is undone at the end.
  const __m128i bias = _mm_set1_epi32(static_cast<int>(0x80000000u));
  __m128i m = _mm_set1_epi32(static_cast<int>(0x80000000u));  // biased 0
  for (; j + 4 <= n; j += 4) {
    const __m128i v = _mm_xor_si128(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(vals + 4 * std::size_t{j})), bias);
    const __m128i gt = _mm_cmpgt_epi32(v, m);
    m = _mm_or_si128(_mm_and_si128(gt, v), _mm_andnot_si128(gt, m));
  }
  alignas(16) std::uint32_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), m);
  for (const std::uint32_t l : lanes) best = std::max(best, l ^ 0x80000000u);
#endif
  for (; j < n; ++j) best = std::max(best, load_le32(vals + 4 * std::size_t{j}));
  return best;
}

[[noreturn]] void era_too_great(const ArrayRef& a, std::uint64_t location, std::uint64_t index,
                                const std::byte* vals, std::uint32_t n, std::uint32_t max) {
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::uint32_t v = load_le32(vals + 4 * std::size_t{j});
    if (v > max) {
      throw MetadataError(a.name + " array block #" + std::to_string(index) + " at block " +
                          std::to_string(location) + ": era " + std::to_string(v) +
                          " of data block " + std::to_string(index * kEraEntriesPerBlock + j) +
                          " > current_era " + std::to_string(max));
    }
  }
  throw MetadataError(a.name + ": era too great");
}

}  // namespace

WrittenSet read_written_since(const MetadataSource& source, const WrittenSinceOptions& options) {
  const bool snapshot = options.superblock == SuperblockChoice::kMetadataSnapshot;
  Superblock sb = read_chosen_superblock(source, snapshot);
  WrittenSet out;
  out.nr_blocks = sb.nr_blocks;
  out.data_block_sectors = sb.data_block_size;
  out.current_era = sb.current_era;
  out.superblock_location = sb.location;
  out.warnings = sb.warnings;
  const std::uint32_t n = options.since_era;

  // arrays[0] is the era array; the rest are bitsets, with clamp[i] their number of usable bits.
  std::vector<ArrayRef> arrays;
  std::vector<std::uint64_t> clamp;
  arrays.push_back({"era array", kEraArrayValueSize, sb.nr_blocks, {}});
  clamp.push_back(0);
  collect_array_blocks(source, sb.era_array_root, arrays[0], &out.warnings);
  // Allocated only now that the era array proved to hold nr_blocks entries: a forged nr_blocks
  // cannot make us allocate more than the device's size justifies.
  out.blocks = BlockBitmap(sb.nr_blocks);

  std::set<std::pair<std::uint64_t, std::uint32_t>> seen;  // (root, nr_bits) already added
  auto add_bitset = [&](std::string name, std::uint32_t nr_bits, std::uint64_t root) {
    // Real metadata never shares a bitset between eras; forged metadata could, many times over.
    if (!seen.emplace(root, nr_bits).second) return;
    ArrayRef a{std::move(name), kBitsetValueSize, bitset_words(nr_bits), {}};
    collect_array_blocks(source, root, a, &out.warnings);
    arrays.push_back(std::move(a));
    clamp.push_back(std::min<std::uint64_t>(nr_bits, sb.nr_blocks));
  };
  const auto writesets = read_writeset_tree(source, sb, &out.warnings);
  for (const auto& ws : writesets) {
    if (ws.era >= n) add_bitset("writeset of era " + std::to_string(ws.era), ws.nr_bits, ws.bitset_root);
  }
  if (options.trust_kernel_order && !writesets.empty()) {
    std::uint32_t lowest = writesets.front().era;
    for (const auto& ws : writesets) lowest = std::min(lowest, ws.era);
    if (lowest <= n) {
      arrays[0].blocks.clear();  // its values are <= lowest <= n, all covered by writesets
      out.era_array_values_read = false;
    }
  }
  if (!snapshot && options.include_current_writeset && sb.current_writeset_root != 0 &&
      sb.current_era >= n) {
    add_bitset("current writeset (era " + std::to_string(sb.current_era) + ")",
               sb.current_writeset_nr_bits, sb.current_writeset_root);
  }

  BlockBitmap& bits = out.blocks;
  const std::uint32_t current_era = sb.current_era;
  ArrayScanOptions scan;
  scan.threads = options.threads;
  // One era-array index: bit b of the result set if era_array[b] >= n (every bit when n == 0).
  auto era_block = [&](std::uint64_t index, const std::byte* vals, std::uint32_t count,
                       bool checked) {
    const ArrayRef& a = arrays[0];
    std::uint64_t pos = index * kEraEntriesPerBlock;
    bool too_great = false;
    for (std::uint32_t j = 0; j < count;) {
      const std::uint32_t off = static_cast<std::uint32_t>(pos & 63);
      const std::uint32_t take = std::min<std::uint32_t>(64 - off, count - j);
      std::uint64_t m;
      if (n == 0) {
        m = take == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << take) - 1;
        if (!checked) mask_greater(vals + 4 * std::size_t{j}, take, 0, current_era, &too_great);
      } else {
        m = mask_greater(vals + 4 * std::size_t{j}, take, n - 1, current_era, &too_great);
      }
      if (m != 0) bits.atomic_or_word(pos >> 6, m << off);
      j += take;
      pos += take;
    }
    if (too_great) era_too_great(a, a.blocks[index], index, vals, count, current_era);
  };
  scan_shared_array_blocks(source, arrays, scan, [&](std::size_t id,
                                                     std::span<const std::uint64_t> indices,
                                                     const std::byte* block) {
    const std::byte* vals = block + ablock::kHeaderSize;
    const ArrayRef& a = arrays[id];
    if (id == 0) {
      // Every index was validated against the block's nr_entries, so they share one count.
      const std::uint32_t count = a.entries_in_block(indices.front());
      if (indices.size() == 1) {
        // Most blocks hold no era >= n (never-written blocks are 0): one pass to find out.
        const std::uint32_t top = max_value(vals, count);
        if (n != 0 && top < n && top <= current_era) return;
        era_block(indices.front(), vals, count, false);
        return;
      }
      // A shared block (typically an all-zero default block): examine its
      // values once, then skip every use of it when none is >= n.
      bool too_great = false;
      bool any = false;
      for (std::uint32_t j = 0; j < count; j += 64) {
        any |= mask_greater(vals + 4 * std::size_t{j}, std::min<std::uint32_t>(64, count - j),
                            n == 0 ? 0 : n - 1, current_era, &too_great) != 0;
      }
      if (too_great) {
        era_too_great(a, a.blocks[indices.front()], indices.front(), vals, count, current_era);
      }
      if (n != 0 && !any) return;
      for (const std::uint64_t index : indices) era_block(index, vals, count, true);
      return;
    }
    const std::uint32_t count = a.entries_in_block(indices.front());
    const std::uint64_t limit = clamp[id];
    for (const std::uint64_t index : indices) {
      const std::uint64_t first_word = index * kBitsetWordsPerBlock;
      if (first_word * 64 >= limit) continue;
      // Words wholly below the clamp, then at most one partial word.
      const std::uint64_t usable_bits = limit - first_word * 64;
      const auto full = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, usable_bits / 64));
      std::uint32_t j = 0;
      for (; j + 8 <= full; j += 8) {
        // Most words of a sparse writeset are zero: test eight at a time.
        std::uint64_t any = 0;
        for (std::uint32_t k = 0; k < 8; ++k) any |= load_le64(vals + 8 * std::size_t{j + k});
        if (any == 0) continue;
        for (std::uint32_t k = 0; k < 8; ++k) {
          const std::uint64_t word = load_le64(vals + 8 * std::size_t{j + k});
          if (word != 0) bits.atomic_or_word(first_word + j + k, word);
        }
      }
      for (; j < full; ++j) {
        const std::uint64_t word = load_le64(vals + 8 * std::size_t{j});
        if (word != 0) bits.atomic_or_word(first_word + j, word);
      }
      if (j < count && usable_bits % 64 != 0 && j == usable_bits / 64) {
        const std::uint64_t word = load_le64(vals + 8 * std::size_t{j}) &
                                   ((std::uint64_t{1} << (usable_bits % 64)) - 1);
        if (word != 0) bits.atomic_or_word(first_word + j, word);
      }
    }
  });
  return out;
}

}  // namespace era_metadata
