// Everything era_dump prints, read into memory: the superblock, every archived writeset's bits,
// the optional current writeset and the era array. Validated as strictly as the written-since
// path; in repair mode damaged parts are skipped (and reported as warnings) instead.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "era_metadata/block_bitmap.hpp"
#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/superblock.hpp"

namespace era_metadata {

struct WritesetBits {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  BlockBitmap bits;  // nr_bits bits
};

struct EraContent {
  Superblock superblock;
  std::vector<WritesetBits> writesets;  // ascending era
  std::optional<WritesetBits> current_writeset;
  std::vector<std::uint32_t> era_array;  // nr_blocks entries (0 where unreadable in repair)
  Findings findings;  // warnings only; in repair mode the damage skipped, as warnings
};

struct EraContentOptions {
  bool metadata_snapshot = false;         // read the snapshot superblock's trees
  bool include_current_writeset = false;  // live superblock only
  bool repair = false;                    // skip damaged parts instead of failing
  unsigned threads = 0;
};

// Throws MetadataError on damage (unless repair, where only superblock damage is fatal).
[[nodiscard]] EraContent read_era_content(const MetadataSource& source,
                                          const EraContentOptions& options);

// Era of each data block as era_dump --logical prints it: the latest of era_array[b] and every
// writeset era (current included if read) with bit b set. 0.9 took the lowest writeset era.
[[nodiscard]] std::vector<std::uint32_t> logical_eras(const EraContent& content);

}  // namespace era_metadata
