// Adapter over era_metadata's written-since reader.
#include "src/workflow/written_set.hpp"

#include <algorithm>

#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"

namespace schelk {

uint64_t count_blocks(const std::vector<BlockRange>& ranges) {
  uint64_t n = 0;
  for (const auto& r : ranges) n += r.end - r.begin;
  return n;
}

void append_range(std::vector<BlockRange>& ranges, BlockRange r) {
  if (!ranges.empty() && r.begin <= ranges.back().end) {
    ranges.back().end = std::max(ranges.back().end, r.end);
  } else {
    ranges.push_back(r);
  }
}

std::vector<BlockRange> merge_ranges(std::vector<BlockRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const BlockRange& a, const BlockRange& b) { return a.begin < b.begin; });
  std::vector<BlockRange> out;
  for (const auto& r : ranges) append_range(out, r);
  return out;
}

std::vector<BlockRange> subtract_ranges(const std::vector<BlockRange>& a,
                                        const std::vector<BlockRange>& b) {
  std::vector<BlockRange> out;
  size_t j = 0;
  for (const auto& r : a) {
    uint64_t at = r.begin;
    while (j < b.size() && b[j].end <= at) ++j;
    for (size_t k = j; k < b.size() && b[k].begin < r.end; ++k) {
      if (b[k].begin > at) out.push_back({at, b[k].begin});
      at = std::max(at, b[k].end);
    }
    if (at < r.end) out.push_back({at, r.end});
  }
  return out;
}

WrittenBlocks read_written_from_snapshot(const std::string& metadata_dev, uint32_t since_era) {
  return read_written_from_metadata(metadata_dev, since_era, true);
}

WrittenBlocks read_written_from_metadata(const std::string& path, uint32_t since_era,
                                         bool snapshot) {
  auto source = era_metadata::FileMetadataSource::open(path, era_metadata::OpenMode::kShared);
  era_metadata::WrittenSinceOptions opts;
  opts.since_era = since_era;
  opts.superblock = snapshot ? era_metadata::SuperblockChoice::kMetadataSnapshot
                             : era_metadata::SuperblockChoice::kLive;
  opts.include_current_writeset = !snapshot;
  const auto set = era_metadata::read_written_since(source, opts);
  WrittenBlocks out;
  out.nr_blocks = set.nr_blocks;
  out.data_block_sectors = set.data_block_sectors;
  out.current_era = set.current_era;
  set.blocks.for_each_run([&](uint64_t begin, uint64_t end) {
    out.ranges.push_back({begin, end});
  });
  return out;
}

}  // namespace schelk
