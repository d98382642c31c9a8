// Not a test: a hidden Catch case that writes a large metadata image for benchmarks, e.g.
//   SCHELK_GEN_BLOCKS=16777216 SCHELK_GEN_OUT=/tmp/m16.bin era_metadata_tests '[generate]'
// Every era-array block is distinct (no sharing), 1% of blocks carry an era >= 3, and two
// archived writesets mark 0.5% of blocks each: the worst case for reading.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

#include "tests/support/metadata_builder.hpp"

TEST_CASE("generate a large image for benchmarks", "[.][generate]") {
  const char* blocks = std::getenv("SCHELK_GEN_BLOCKS");
  const char* out = std::getenv("SCHELK_GEN_OUT");
  if (!blocks || !out) {
    WARN("set SCHELK_GEN_BLOCKS and SCHELK_GEN_OUT");
    return;
  }
  era_test::ImageSpec spec;
  spec.nr_blocks = static_cast<std::uint32_t>(std::strtoull(blocks, nullptr, 10));
  spec.current_era = 6;
  spec.era_of = [](std::uint64_t b) {
    const std::uint64_t h = (b + 1) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::uint32_t>((h >> 60) == 0 && ((h >> 40) & 15) < 3 ? 3 + (h >> 56) % 2
                                                                             : 1 + (h >> 50) % 2);
  };
  std::mt19937_64 rng(5);
  for (std::uint32_t era : {4u, 5u}) {
    era_test::WritesetSpec ws{era, spec.nr_blocks, {}};
    for (std::uint64_t i = 0; i < spec.nr_blocks / 200; ++i)
      ws.bits.push_back(rng() % spec.nr_blocks);
    spec.writesets.push_back(std::move(ws));
  }
  auto image = era_test::MetadataBuilder::build(spec);
  era_test::MetadataBuilder::save(image, out);
}
