// What a written set amounts to: blocks, bytes, share of the volume, extents, a histogram of
// extent sizes (powers of two, in blocks) and the densest regions of the volume. Pure: ranges in,
// numbers out, for `schelk written`'s summary and JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

struct ExtentBucket {
  uint64_t min_blocks = 0;  // extents of min_blocks .. max_blocks blocks
  uint64_t max_blocks = 0;
  uint64_t extents = 0;
  uint64_t blocks = 0;
};

struct Region {
  uint64_t begin_block = 0;  // the region [begin, end) of the volume, in blocks
  uint64_t end_block = 0;
  uint64_t blocks_written = 0;
};

struct WrittenSummary {
  uint64_t block_size = 0;
  uint64_t volume_blocks = 0;
  uint64_t blocks = 0;
  uint64_t bytes = 0;  // blocks * block_size, the last block clipped to the volume
  uint64_t extents = 0;
  std::vector<ExtentBucket> histogram;  // non-empty buckets, smallest first
  std::vector<Region> densest;          // up to `top` regions, most written first
};

// `ranges` sorted and disjoint; the volume is cut into `regions` equal parts for `densest`.
WrittenSummary summarize_written(const std::vector<BlockRange>& ranges, uint64_t block_size,
                                 uint64_t volume_blocks, uint64_t volume_bytes, size_t regions = 64,
                                 size_t top = 5);

nlohmann::ordered_json summary_to_json(const WrittenSummary& s);
// The summary for people, several lines.
std::string summary_to_text(const WrittenSummary& s);

}  // namespace schelk
