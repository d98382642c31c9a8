// Extent planning: merge, alignment, splitting.
#include "copier/extent.hpp"

#include <catch2/catch.hpp>

using copier::Extent;

TEST_CASE("merge_extents sorts, merges touching and overlapping, drops empty") {
  const auto out =
      copier::merge_extents({{100, 10}, {0, 10}, {10, 5}, {50, 0}, {105, 20}, {200, 1}});
  REQUIRE(out == std::vector<Extent>{{0, 15}, {100, 25}, {200, 1}});
}

TEST_CASE("plan_extents widens to the alignment, merges, then splits at max_io") {
  // 4097..4099 widens to [4096, 8192) and touches [0, 4096).
  const auto out = copier::plan_extents({{4097, 2}, {0, 4096}, {20000, 30000}}, 4096, 8192);
  REQUIRE(
      out ==
      std::vector<Extent>{
          {0, 8192}, {16384, 8192}, {24576, 8192}, {32768, 8192}, {40960, 8192}, {49152, 4096}});
  REQUIRE(copier::total_bytes(out) == 8192 * 5 + 4096);
}

TEST_CASE("plan_extents rejects a bad alignment or max_io") {
  REQUIRE_THROWS(copier::plan_extents({{0, 1}}, 3000, 6000));
  REQUIRE_THROWS(copier::plan_extents({{0, 1}}, 4096, 6000));
}

TEST_CASE("plan_extents keeps every byte of every input extent") {
  std::vector<Extent> in;
  for (std::uint64_t i = 0; i < 200; ++i) in.push_back({(i * 7919) % 100000, (i * 31) % 5000});
  const auto out = copier::plan_extents(in, 512, 65536);
  for (const auto& e : in) {
    if (e.length == 0) continue;
    for (std::uint64_t b : {e.offset, e.end() - 1}) {
      bool covered = false;
      for (const auto& o : out) covered |= b >= o.offset && b < o.end();
      REQUIRE(covered);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    REQUIRE(out[i].offset % 512 == 0);
    REQUIRE(out[i].length % 512 == 0);
    REQUIRE(out[i].length <= 65536);
    if (i > 0) REQUIRE(out[i - 1].end() <= out[i].offset);
  }
}
