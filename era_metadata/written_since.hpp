// The era_invalidate computation (doc/dm-era-format.md section 7.2): the set of data blocks written
// in era N or later, read straight from the metadata into a bitmap. This is the hot path of
// `schelk recover`: every array block is read once, in large sorted reads, on a thread pool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "era_metadata/block_bitmap.hpp"
#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

enum class SuperblockChoice { kLive, kMetadataSnapshot };

struct WrittenSinceOptions {
  std::uint32_t since_era = 0;
  SuperblockChoice superblock = SuperblockChoice::kLive;
  // Offline metadata only (ignored for a snapshot, whose current writeset is stale): also count
  // the live superblock's current writeset as era current_era (after a crash it holds writes).
  bool include_current_writeset = false;
  // Skip reading the era array's values when the lowest archived era is <= since_era, as
  // thin-provisioning-tools 1.x always does. Right for metadata only the kernel wrote: its
  // digestion keeps every era-array value <= the lowest archived era (doc/dm-era-format.md 5.5), so
  // the writesets already hold every block the era array could add. Wrong for metadata edited
  // by hand (era_restore of edited XML), hence off by default. The era array's btree is still
  // walked and checked; an empty writeset tree always reads the era array.
  bool trust_kernel_order = false;
  unsigned threads = 0;  // 0: max(4, hardware_concurrency), so O_DIRECT reads overlap
};

struct WrittenSet {
  std::uint32_t nr_blocks = 0;
  std::uint32_t data_block_sectors = 0;
  std::uint32_t current_era = 0;
  std::uint64_t superblock_location = 0;
  BlockBitmap blocks;                 // nr_blocks bits; bit b set = data block b written
  Findings findings;                  // warnings only (odd flags, underfull nodes)
  bool era_array_values_read = true;  // false when trust_kernel_order skipped them
};

// Throws MetadataError (damaged metadata) or std::system_error (I/O).
[[nodiscard]] WrittenSet read_written_since(const MetadataSource& source,
                                            const WrittenSinceOptions& options);

}  // namespace era_metadata
