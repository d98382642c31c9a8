// The written-set summary against a model: counts, the partial last block, the extent-size
// histogram (power-of-two buckets) and the densest regions.
#include "src/forensics/written_summary.hpp"

#include <catch2/catch.hpp>

using namespace schelk;

TEST_CASE("written summary: blocks, bytes, extents, histogram, densest regions") {
  // A 100-block volume of 4 KiB blocks whose last block is half there.
  const uint64_t volume_bytes = 99 * 4096 + 2048;
  const std::vector<BlockRange> ranges = {{0, 1}, {10, 13}, {20, 28}, {90, 100}};
  const auto s = summarize_written(ranges, 4096, 100, volume_bytes, 10, 2);
  CHECK(s.blocks == 22);
  CHECK(s.extents == 4);
  CHECK(s.bytes == 21 * 4096 + 2048);
  // Lengths 1, 3, 8, 10: buckets 1, 2-3 and 8-15 (two extents, 18 blocks).
  REQUIRE(s.histogram.size() == 3);
  CHECK((s.histogram[0].min_blocks == 1 && s.histogram[0].max_blocks == 1));
  CHECK((s.histogram[0].extents == 1 && s.histogram[0].blocks == 1));
  CHECK((s.histogram[1].min_blocks == 2 && s.histogram[1].max_blocks == 3));
  CHECK((s.histogram[1].extents == 1 && s.histogram[1].blocks == 3));
  CHECK((s.histogram[2].min_blocks == 8 && s.histogram[2].max_blocks == 15));
  CHECK((s.histogram[2].extents == 2 && s.histogram[2].blocks == 18));
  // Ten regions of ten blocks: 90-100 holds 10 written, 20-30 holds 8.
  REQUIRE(s.densest.size() == 2);
  CHECK((s.densest[0].begin_block == 90 && s.densest[0].end_block == 100));
  CHECK(s.densest[0].blocks_written == 10);
  CHECK((s.densest[1].begin_block == 20 && s.densest[1].blocks_written == 8));
  const auto j = summary_to_json(s);
  CHECK(j["volume_bytes"] == 100 * 4096);
  CHECK(summary_to_text(s).find("Written: 22 blocks of 4.00 KiB") == 0);
}

TEST_CASE("written summary: nothing written, and an extent across regions") {
  const auto none = summarize_written({}, 4096, 64, 64 * 4096);
  CHECK((none.blocks == 0 && none.bytes == 0 && none.extents == 0));
  CHECK((none.histogram.empty() && none.densest.empty()));
  const auto across = summarize_written({{5, 25}}, 512, 40, 40 * 512, 4, 4);
  REQUIRE(across.densest.size() == 3);  // 10-20 (10), 0-10 (5), 20-30 (5)
  CHECK((across.densest[0].begin_block == 10 && across.densest[0].blocks_written == 10));
  CHECK(across.densest[1].blocks_written == 5);
  CHECK(across.densest[2].blocks_written == 5);
}
