#include "era_metadata/era_content.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "era_metadata/array.hpp"
#include "era_metadata/array_scan.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/writeset_tree.hpp"

namespace era_metadata {
namespace {

// In repair mode: the damage of `error` as a warning that says what was skipped.
void skipped(Findings& findings, const MetadataError& error, std::string_view what) {
  Damage d = with_prefix(error.damage(), what);
  d.severity = Severity::kWarning;
  findings.add(std::move(d));
}

// Reads one whole array into `fill`. In repair mode a damaged block is skipped with a warning
// (so its entries keep their default) instead of failing the whole read.
void read_array(const MetadataSource& source, ArrayRef& array, const EraContentOptions& options,
                Findings& findings, const ArrayBlockFn& fill) {
  ArrayScanOptions scan;
  scan.threads = options.threads;
  const std::vector<ArrayRef> one{array};
  if (!options.repair) {
    scan_array_blocks(source, one, scan, fill);
    return;
  }
  // Block by block, so one bad block costs only its own entries.
  for (std::uint64_t i = 0; i < array.blocks.size(); ++i) {
    try {
      const std::uint64_t loc = array.blocks[i];
      check_block_range(loc, 1, source.size_in_blocks());
      alignas(kBlockSize) std::byte buf[kBlockSize];
      source.read_blocks(loc, 1, buf);
      if (auto bad = validate_array_block(BlockSpan(buf, kBlockSize), loc, array, i)) {
        throw MetadataError(std::move(*bad));
      }
      fill(0, i, buf);
    } catch (const MetadataError& e) {
      skipped(findings, e, "repair: skipped: ");
    }
  }
}

void read_bitset(const MetadataSource& source, WritesetBits& ws, std::uint64_t root,
                 const std::string& name, const EraContentOptions& options, Findings& findings) {
  ArrayRef a{name, kBitsetValueSize, bitset_words(ws.nr_bits), {}};
  collect_array_blocks(source, root, a, findings);
  ws.bits = BlockBitmap(ws.nr_bits);  // allocated only once the tree proved the array exists
  auto words = ws.bits.words();
  read_array(source, a, options, findings,
             [&](std::size_t, std::uint64_t index, const std::byte* block) {
               const std::uint32_t n = a.entries_in_block(index);
               const std::uint64_t first = index * kBitsetWordsPerBlock;
               for (std::uint32_t j = 0; j < n; ++j) {
                 // Disjoint words per block: no atomics needed; bits past nr_bits are masked off.
                 words[first + j] = load_le64(block + ablock::kHeaderSize + 8 * std::size_t{j}) &
                                    ws.bits.word_mask(first + j);
               }
             });
}

}  // namespace

EraContent read_era_content(const MetadataSource& source, const EraContentOptions& options) {
  EraContent out;
  out.superblock = read_chosen_superblock(source, options.metadata_snapshot, out.findings);
  const Superblock& sb = out.superblock;

  std::vector<WritesetEntry> entries;
  try {
    entries = read_writeset_tree(source, sb, out.findings);
  } catch (const MetadataError& e) {
    if (!options.repair) throw;
    skipped(out.findings, e, "repair: skipped the writeset tree: ");
  }
  BitsetsRead read;  // slots: indices into out.writesets
  for (const auto& e : entries) {
    WritesetBits ws{e.era, e.nr_bits, {}};
    if (const auto slot = read.find(e.bitset_root, e.nr_bits)) {
      ws.bits = out.writesets[*slot].bits;
      out.writesets.push_back(std::move(ws));
      continue;
    }
    try {
      read_bitset(source, ws, e.bitset_root, "writeset of era " + std::to_string(e.era), options,
                  out.findings);
    } catch (const MetadataError& err) {
      if (!options.repair) throw;
      skipped(out.findings, err, "repair: skipped: ");
      continue;  // not recorded: a later use of this bitset reports its damage again
    }
    read.add(e.bitset_root, e.nr_bits, out.writesets.size());
    out.writesets.push_back(std::move(ws));
  }
  if (options.include_current_writeset && !options.metadata_snapshot &&
      sb.current_writeset_root != 0) {
    WritesetBits ws{sb.current_era, sb.current_writeset_nr_bits, {}};
    try {
      read_bitset(source, ws, sb.current_writeset_root, "current writeset", options, out.findings);
      out.current_writeset = std::move(ws);
    } catch (const MetadataError& err) {
      if (!options.repair) throw;
      skipped(out.findings, err, "repair: skipped: ");
    }
  }

  ArrayRef era{"era array", kEraArrayValueSize, sb.nr_blocks, {}};
  try {
    collect_array_blocks(source, sb.era_array_root, era, out.findings);
  } catch (const MetadataError& e) {
    if (!options.repair) throw;
    skipped(out.findings, e, "repair: skipped the era array: ");
    return out;  // era_array stays empty: nothing is known about it
  }
  out.era_array.assign(sb.nr_blocks, 0);
  read_array(source, era, options, out.findings,
             [&](std::size_t, std::uint64_t index, const std::byte* block) {
               const std::uint32_t n = era.entries_in_block(index);
               const std::uint64_t first = index * kEraEntriesPerBlock;
               for (std::uint32_t j = 0; j < n; ++j) {
                 out.era_array[first + j] =
                     load_le32(block + ablock::kHeaderSize + 4 * std::size_t{j});
               }
             });
  // era_dump shows such values as they are; era_check and the written-since path reject them.
  const auto worst = std::max_element(out.era_array.begin(), out.era_array.end());
  if (worst != out.era_array.end() && *worst > sb.current_era) {
    out.findings.add(make_warning(DamageKind::kEraTooGreat, std::nullopt, "era array",
                                  "data block " + std::to_string(worst - out.era_array.begin()) +
                                      " has era " + std::to_string(*worst) + " > current_era " +
                                      std::to_string(sb.current_era)));
  }
  return out;
}

std::vector<std::uint32_t> logical_eras(const EraContent& content) {
  // Sized by the era array actually read (empty if repair had to skip it), never by the
  // superblock's nr_blocks alone, which damaged metadata may make huge.
  std::vector<std::uint32_t> eras = content.era_array;
  auto apply = [&](const WritesetBits& ws) {
    const std::uint64_t limit = std::min<std::uint64_t>(ws.bits.size(), eras.size());
    const auto words = ws.bits.words();
    for (std::uint64_t w = 0; w * 64 < limit; ++w) {
      std::uint64_t word = words[w];
      while (word != 0) {
        const std::uint64_t b = w * 64 + static_cast<std::uint64_t>(std::countr_zero(word));
        word &= word - 1;
        if (b < limit) eras[b] = std::max(eras[b], ws.era);
      }
    }
  };
  for (const auto& ws : content.writesets) apply(ws);
  if (content.current_writeset) apply(*content.current_writeset);
  return eras;
}

}  // namespace era_metadata
