// Reads the set of blocks written since an era from the held metadata snapshot of a live dm-era
// device, in process (era_metadata), behind the WrittenSetReader interface so the command flows
// run against a fake reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

struct WrittenBlocks {
  uint64_t nr_blocks = 0;
  uint32_t data_block_sectors = 0;
  uint32_t current_era = 0;
  std::vector<BlockRange> ranges;  // sorted, disjoint, end exclusive
};

// era_metadata::read_written_since on a FileMetadataSource opened shared (O_DIRECT) with
// SuperblockChoice::kMetadataSnapshot. Throws on unreadable or inconsistent metadata.
WrittenBlocks read_written_from_snapshot(const std::string& metadata_dev, uint32_t since_era);

// The same from metadata given by path (an image or a device, opened shared): through its held
// snapshot when `snapshot`, else the live superblock with the current writeset counted (what
// was last committed; `era_invalidate --include-current-writeset`).
WrittenBlocks read_written_from_metadata(const std::string& path, uint32_t since_era,
                                         bool snapshot);

class WrittenSetReader {
 public:
  virtual ~WrittenSetReader() = default;
  // The blocks written since `since_era`, from the metadata snapshot on `metadata_dev`.
  virtual WrittenBlocks read(const std::string& metadata_dev, uint32_t since_era) = 0;
};

// read_written_from_snapshot.
class SnapshotWrittenSetReader final : public WrittenSetReader {
 public:
  WrittenBlocks read(const std::string& metadata_dev, uint32_t since_era) override {
    return read_written_from_snapshot(metadata_dev, since_era);
  }
};

uint64_t count_blocks(const std::vector<BlockRange>& ranges);
// Any ranges, sorted, with overlapping and adjacent ones joined.
std::vector<BlockRange> merge_ranges(std::vector<BlockRange> ranges);
// Appends `r` to sorted joined `ranges` (r.begin not before the last range's begin), joining it
// to the last one when they touch.
void append_range(std::vector<BlockRange>& ranges, BlockRange r);
// The blocks of `a` not in `b`; both sorted and disjoint, and so is the result.
std::vector<BlockRange> subtract_ranges(const std::vector<BlockRange>& a,
                                        const std::vector<BlockRange>& b);

}  // namespace schelk
