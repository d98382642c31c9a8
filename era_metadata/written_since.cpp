#include "era_metadata/written_since.hpp"

#include <algorithm>
#include <limits>
#include <span>
#include <string>
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

[[noreturn]] void era_too_great(const ArrayRef& a, std::uint64_t index, const std::byte* vals,
                                std::uint32_t n, std::uint32_t max) {
  const std::uint64_t location = a.blocks[index];
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::uint32_t v = load_le32(vals + 4 * std::size_t{j});
    if (v > max) {
      throw MetadataError(make_error(DamageKind::kEraTooGreat, location,
                                     array_block_name(a, index, location),
                                     "era " + std::to_string(v) + " of data block " +
                                         std::to_string(index * kEraEntriesPerBlock + j) +
                                         " > current_era " + std::to_string(max)));
    }
  }
  throw MetadataError(make_error(DamageKind::kEraTooGreat, location, a.name, "era too great"));
}

// The era array's share of the result: bit b set if era_array[b] >= since (every bit when
// since == 0). Rejects any value above current_era.
class EraArrayCollator {
 public:
  EraArrayCollator(const ArrayRef& array, std::uint32_t since, std::uint32_t current_era,
                   BlockBitmap& bits)
      : array_(array), since_(since), current_era_(current_era), bits_(bits) {}

  // One array block, used at `indices` (validated, so they share one entry count).
  void visit(std::span<const std::uint64_t> indices, const std::byte* vals) const {
    const std::uint32_t count = array_.entries_in_block(indices.front());
    if (indices.size() == 1) {
      // Most blocks hold no era >= since (never-written blocks are 0): one pass to find out.
      const std::uint32_t top = max_value(vals, count);
      if (since_ != 0 && top < since_ && top <= current_era_) return;
      mark(indices.front(), vals, count, false);
      return;
    }
    // A shared block (typically an all-zero default block): examine its values once, then
    // skip every use of it when none is >= since.
    bool too_great = false;
    bool any = false;
    for (std::uint32_t j = 0; j < count; j += 64) {
      any |= mask_greater(vals + 4 * std::size_t{j}, std::min<std::uint32_t>(64, count - j),
                          since_ == 0 ? 0 : since_ - 1, current_era_, &too_great) != 0;
    }
    if (too_great) era_too_great(array_, indices.front(), vals, count, current_era_);
    if (since_ != 0 && !any) return;
    for (const std::uint64_t index : indices) mark(index, vals, count, true);
  }

 private:
  // One era-array index; `checked`: its values were already bounded by current_era.
  void mark(std::uint64_t index, const std::byte* vals, std::uint32_t count, bool checked) const {
    std::uint64_t pos = index * kEraEntriesPerBlock;
    bool too_great = false;
    for (std::uint32_t j = 0; j < count;) {
      const auto off = static_cast<std::uint32_t>(pos & 63);
      const std::uint32_t take = std::min<std::uint32_t>(64 - off, count - j);
      std::uint64_t m;
      if (since_ == 0) {
        m = take == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << take) - 1;
        if (!checked) mask_greater(vals + 4 * std::size_t{j}, take, 0, current_era_, &too_great);
      } else {
        m = mask_greater(vals + 4 * std::size_t{j}, take, since_ - 1, current_era_, &too_great);
      }
      if (m != 0) bits_.atomic_or_word(pos >> 6, m << off);
      j += take;
      pos += take;
    }
    if (too_great) era_too_great(array_, index, vals, count, current_era_);
  }

  const ArrayRef& array_;
  std::uint32_t since_;
  std::uint32_t current_era_;
  BlockBitmap& bits_;
};

// One writeset's share of the result: its words ORed in, clamped to `usable_bits` (the
// smaller of its nr_bits and the era array's length).
class BitsetCollator {
 public:
  BitsetCollator(const ArrayRef& array, std::uint64_t usable_bits, BlockBitmap& bits)
      : array_(array), limit_(usable_bits), bits_(bits) {}

  void visit(std::span<const std::uint64_t> indices, const std::byte* vals) const {
    const std::uint32_t count = array_.entries_in_block(indices.front());
    for (const std::uint64_t index : indices) add_words(index * kBitsetWordsPerBlock, vals, count);
  }

 private:
  void add_words(std::uint64_t first_word, const std::byte* vals, std::uint32_t count) const {
    if (first_word * 64 >= limit_) return;
    // Words wholly below the clamp, then at most one partial word.
    const std::uint64_t usable_bits = limit_ - first_word * 64;
    const auto full = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, usable_bits / 64));
    std::uint32_t j = 0;
    for (; j + 8 <= full; j += 8) {
      // Most words of a sparse writeset are zero: test eight at a time.
      std::uint64_t any = 0;
      for (std::uint32_t k = 0; k < 8; ++k) any |= load_le64(vals + 8 * std::size_t{j + k});
      if (any == 0) continue;
      for (std::uint32_t k = 0; k < 8; ++k) or_word(first_word + j + k, vals, j + k);
    }
    for (; j < full; ++j) or_word(first_word + j, vals, j);
    if (j < count && usable_bits % 64 != 0 && j == usable_bits / 64) {
      const std::uint64_t word =
          load_le64(vals + 8 * std::size_t{j}) & ((std::uint64_t{1} << (usable_bits % 64)) - 1);
      if (word != 0) bits_.atomic_or_word(first_word + j, word);
    }
  }

  void or_word(std::uint64_t at, const std::byte* vals, std::uint32_t j) const {
    const std::uint64_t word = load_le64(vals + 8 * std::size_t{j});
    if (word != 0) bits_.atomic_or_word(at, word);
  }

  const ArrayRef& array_;
  std::uint64_t limit_;
  BlockBitmap& bits_;
};

// The arrays to scan: [0] the era array, then the bitsets, with usable_bits[i] the number of
// usable bits of arrays[i] (0 for the era array).
struct ScanPlan {
  std::vector<ArrayRef> arrays;
  std::vector<std::uint64_t> usable_bits;
};

ScanPlan plan_scan(const MetadataSource& source, const Superblock& sb,
                   const WrittenSinceOptions& options, WrittenSet& out) {
  const std::uint32_t n = options.since_era;
  ScanPlan plan;
  plan.arrays.push_back({"era array", kEraArrayValueSize, sb.nr_blocks, {}});
  plan.usable_bits.push_back(0);
  collect_array_blocks(source, sb.era_array_root, plan.arrays[0], out.findings);
  BitsetsRead read;
  auto add_bitset = [&](std::string name, std::uint32_t nr_bits, std::uint64_t root) {
    if (!read.add(root, nr_bits)) return;
    ArrayRef a{std::move(name), kBitsetValueSize, bitset_words(nr_bits), {}};
    collect_array_blocks(source, root, a, out.findings);
    plan.arrays.push_back(std::move(a));
    plan.usable_bits.push_back(std::min<std::uint64_t>(nr_bits, sb.nr_blocks));
  };
  const auto writesets = read_writeset_tree(source, sb, out.findings);
  for (const auto& ws : writesets) {
    if (ws.era >= n)
      add_bitset("writeset of era " + std::to_string(ws.era), ws.nr_bits, ws.bitset_root);
  }
  if (options.trust_kernel_order && !writesets.empty()) {
    std::uint32_t lowest = writesets.front().era;
    for (const auto& ws : writesets) lowest = std::min(lowest, ws.era);
    if (lowest <= n) {
      plan.arrays[0].blocks.clear();  // its values are <= lowest <= n, all covered by writesets
      out.era_array_values_read = false;
    }
  }
  const bool snapshot = options.superblock == SuperblockChoice::kMetadataSnapshot;
  if (!snapshot && options.include_current_writeset && sb.current_writeset_root != 0 &&
      sb.current_era >= n) {
    add_bitset("current writeset (era " + std::to_string(sb.current_era) + ")",
               sb.current_writeset_nr_bits, sb.current_writeset_root);
  }
  return plan;
}

}  // namespace

WrittenSet read_written_since(const MetadataSource& source, const WrittenSinceOptions& options) {
  WrittenSet out;
  const Superblock sb = read_chosen_superblock(
      source, options.superblock == SuperblockChoice::kMetadataSnapshot, out.findings);
  out.nr_blocks = sb.nr_blocks;
  out.data_block_sectors = sb.data_block_size;
  out.current_era = sb.current_era;
  out.superblock_location = sb.location;
  const ScanPlan plan = plan_scan(source, sb, options, out);
  // Allocated only now that the era array proved to hold nr_blocks entries: a forged nr_blocks
  // cannot make us allocate more than the device's size justifies.
  out.blocks = BlockBitmap(sb.nr_blocks);
  const EraArrayCollator era(plan.arrays[0], options.since_era, sb.current_era, out.blocks);
  std::vector<BitsetCollator> bitsets;
  bitsets.reserve(plan.arrays.size() - 1);
  for (std::size_t id = 1; id < plan.arrays.size(); ++id) {
    bitsets.emplace_back(plan.arrays[id], plan.usable_bits[id], out.blocks);
  }
  ArrayScanOptions scan;
  scan.threads = options.threads;
  scan_shared_array_blocks(
      source, plan.arrays, scan,
      [&](std::size_t id, std::span<const std::uint64_t> indices, const std::byte* block) {
        const std::byte* vals = block + ablock::kHeaderSize;
        if (id == 0) {
          era.visit(indices, vals);
        } else {
          bitsets[id - 1].visit(indices, vals);
        }
      });
  return out;
}

}  // namespace era_metadata
