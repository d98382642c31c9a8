// See written_summary.hpp.
#include "src/forensics/written_summary.hpp"

#include <algorithm>
#include <bit>
#include <iomanip>
#include <sstream>

#include "base/format.hpp"

namespace schelk {
namespace {

// Bucket k holds extents of 2^k .. 2^(k+1)-1 blocks.
unsigned bucket_of(uint64_t blocks) { return static_cast<unsigned>(std::bit_width(blocks) - 1); }

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string iec(uint64_t bytes) { return base::format_bytes(bytes); }

}  // namespace

WrittenSummary summarize_written(const std::vector<BlockRange>& ranges, uint64_t block_size,
                                 uint64_t volume_blocks, uint64_t volume_bytes, size_t regions,
                                 size_t top) {
  WrittenSummary s;
  s.block_size = block_size;
  s.volume_blocks = volume_blocks;
  std::vector<ExtentBucket> buckets(64);
  regions = std::max<size_t>(1, regions);
  const uint64_t region_blocks = std::max<uint64_t>(1, (volume_blocks + regions - 1) / regions);
  std::vector<uint64_t> per_region((volume_blocks + region_blocks - 1) / region_blocks + 1, 0);
  for (const auto& r : ranges) {
    const uint64_t n = r.end - r.begin;
    s.blocks += n;
    ++s.extents;
    auto& b = buckets[bucket_of(n)];
    ++b.extents;
    b.blocks += n;
    // Spread the extent over the regions it covers.
    for (uint64_t at = r.begin; at < r.end;) {
      const uint64_t region = at / region_blocks;
      const uint64_t stop = std::min(r.end, (region + 1) * region_blocks);
      if (region < per_region.size()) per_region[region] += stop - at;
      at = stop;
    }
  }
  if (s.blocks > 0) {
    s.bytes = s.blocks * block_size;
    const auto& last = ranges.back();
    if (last.end * block_size > volume_bytes && volume_bytes > (last.end - 1) * block_size) {
      s.bytes -= last.end * block_size - volume_bytes;  // the volume's partial last block
    }
  }
  for (unsigned k = 0; k < buckets.size(); ++k) {
    if (buckets[k].extents == 0) continue;
    buckets[k].min_blocks = uint64_t{1} << k;
    buckets[k].max_blocks = k == 63 ? UINT64_MAX : (uint64_t{1} << (k + 1)) - 1;
    s.histogram.push_back(buckets[k]);
  }
  std::vector<Region> all;
  for (size_t i = 0; i < per_region.size(); ++i) {
    if (per_region[i] == 0) continue;
    all.push_back(
        {i * region_blocks, std::min(volume_blocks, (i + 1) * region_blocks), per_region[i]});
  }
  std::stable_sort(all.begin(), all.end(), [](const Region& a, const Region& b) {
    return a.blocks_written > b.blocks_written;
  });
  if (all.size() > top) all.resize(top);
  s.densest = std::move(all);
  return s;
}

nlohmann::ordered_json summary_to_json(const WrittenSummary& s) {
  nlohmann::ordered_json j = {{"block_size", s.block_size},
                              {"blocks", s.blocks},
                              {"bytes", s.bytes},
                              {"extents", s.extents},
                              {"volume_bytes", s.volume_blocks * s.block_size},
                              {"volume_percent", percent(s.blocks, s.volume_blocks)}};
  auto hist = nlohmann::ordered_json::array();
  for (const auto& b : s.histogram) {
    hist.push_back({{"min_blocks", b.min_blocks},
                    {"max_blocks", b.max_blocks},
                    {"extents", b.extents},
                    {"blocks", b.blocks}});
  }
  j["extent_histogram"] = hist;
  auto dense = nlohmann::ordered_json::array();
  for (const auto& r : s.densest) {
    dense.push_back({{"begin_block", r.begin_block},
                     {"end_block", r.end_block},
                     {"blocks_written", r.blocks_written}});
  }
  j["densest_regions"] = dense;
  return j;
}

std::string summary_to_text(const WrittenSummary& s) {
  std::ostringstream out;
  out << "Written: " << s.blocks << " blocks of " << iec(s.block_size) << " = " << iec(s.bytes)
      << " (" << std::fixed << std::setprecision(2) << percent(s.blocks, s.volume_blocks)
      << "% of the volume) in " << s.extents << " extents\n";
  if (!s.histogram.empty()) {
    out << "Extent sizes (blocks):\n";
    for (const auto& b : s.histogram) {
      const std::string label = b.min_blocks == b.max_blocks ? std::to_string(b.min_blocks)
                                                             : std::to_string(b.min_blocks) + "-" +
                                                                   std::to_string(b.max_blocks);
      out << "  " << std::left << std::setw(22) << label << std::right << std::setw(10) << b.extents
          << " extents " << std::setw(12) << b.blocks << " blocks\n";
    }
  }
  if (!s.densest.empty()) {
    out << "Densest regions:\n";
    for (const auto& r : s.densest) {
      out << "  " << iec(r.begin_block * s.block_size) << " - " << iec(r.end_block * s.block_size)
          << ": " << iec(r.blocks_written * s.block_size) << " written ("
          << percent(r.blocks_written, r.end_block - r.begin_block) << "%)\n";
    }
  }
  return out.str();
}

}  // namespace schelk
