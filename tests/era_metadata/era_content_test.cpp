#include "era_metadata/era_content.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "era_metadata/errors.hpp"
#include "fixture_util.hpp"
#include "tests/support/metadata_builder.hpp"

using namespace era_metadata;
using era_test::MetadataBuilder;

TEST_CASE("era content equals what the builder wrote") {
  std::mt19937 rng(9);
  era_test::ImageSpec spec;
  spec.nr_blocks = 5000;
  spec.current_era = 20;
  spec.era_array.resize(spec.nr_blocks);
  for (auto& e : spec.era_array) e = static_cast<std::uint32_t>(rng() % 21);
  spec.writesets = {{12, 5000, {0, 4999, 77}}, {13, 40000, {39999, 1}}, {14, 64, {63}}};
  spec.current_writeset = era_test::WritesetSpec{0, 5000, {3}};
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  EraContentOptions o;
  o.include_current_writeset = true;
  const EraContent c = read_era_content(src, o);
  CHECK(c.era_array == spec.era_array);
  REQUIRE(c.writesets.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(c.writesets[i].era == spec.writesets[i].era);
    CHECK(c.writesets[i].nr_bits == spec.writesets[i].nr_bits);
    CHECK(c.writesets[i].bits.count() == spec.writesets[i].bits.size());
    for (auto b : spec.writesets[i].bits) CHECK(c.writesets[i].bits.test(b));
  }
  REQUIRE(c.current_writeset);
  CHECK(c.current_writeset->era == 20);
  CHECK(c.current_writeset->bits.test(3));
  // Logical: the latest era wins; bits beyond nr_blocks (39999) are dropped.
  const auto logical = logical_eras(c);
  REQUIRE(logical.size() == 5000);
  CHECK(logical[3] == 20);
  CHECK(logical[1] == std::max(13u, spec.era_array[1]));
  CHECK(logical[63] == std::max(14u, spec.era_array[63]));
  CHECK(logical[100] == spec.era_array[100]);
}

TEST_CASE("logical eras take the latest writeset (0.9 took the lowest: f3 blocks 1 and 2)") {
  MemoryMetadataSource src(era_test::load_gz("era/f3_overlap.bin.gz"));
  const auto eras = logical_eras(read_era_content(src, {}));
  REQUIRE(eras.size() == 8);
  // f3: writesets 3 {0,1,2} and 4 {1,2,3}; 0.9 prints 3 for blocks 1 and 2.
  CHECK(eras[0] == 3);
  CHECK(eras[1] == 4);
  CHECK(eras[2] == 4);
  CHECK(eras[3] == 4);
}

TEST_CASE("repair mode skips damaged parts: strict mode refuses") {
  MemoryMetadataSource c05(era_test::load_gz("era/corrupt/c05_node_csum.bin.gz"));
  CHECK_THROWS_AS(read_era_content(c05, {}), MetadataError);
  EraContentOptions repair;
  repair.repair = true;
  const EraContent c = read_era_content(c05, repair);
  CHECK(c.writesets.empty());
  CHECK(c.era_array.size() == 16);
  CHECK(!c.findings.warnings().empty());
  MemoryMetadataSource c13(era_test::load_gz("era/corrupt/c13_ablock_value_size.bin.gz"));
  const EraContent d = read_era_content(c13, repair);
  CHECK(d.writesets.size() == 2);
  CHECK(d.era_array == std::vector<std::uint32_t>(16, 0));  // the one era block was skipped
}
