#include "era_metadata/written_since.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "era_metadata/errors.hpp"
#include "era_metadata/metadata_source.hpp"
#include "tests/support/metadata_builder.hpp"

using namespace era_metadata;
using era_test::ImageSpec;
using era_test::MetadataBuilder;
using era_test::WritesetSpec;

namespace {

// The definition of doc/dm-era-format.md section 7.2, computed from the spec, not from the image.
std::vector<bool> model(const era_test::EraTreesSpec& s, std::uint32_t n,
                        const std::optional<WritesetSpec>& current) {
  std::vector<bool> r(s.nr_blocks);
  for (std::uint64_t b = 0; b < s.nr_blocks; ++b) {
    const std::uint32_t e = s.era_of ? s.era_of(b) : (b < s.era_array.size() ? s.era_array[b] : 0);
    if (e >= n) r[b] = true;
  }
  auto add = [&](const WritesetSpec& ws, std::uint32_t era) {
    if (era < n) return;
    for (auto b : ws.bits)
      if (b < ws.nr_bits && b < s.nr_blocks) r[b] = true;
  };
  for (const auto& ws : s.writesets) add(ws, ws.era);
  if (current) add(*current, s.current_era);
  return r;
}

std::vector<bool> as_vector(const BlockBitmap& bm) {
  std::vector<bool> v(bm.size());
  for (std::uint64_t i = 0; i < bm.size(); ++i) v[i] = bm.test(i);
  return v;
}

ImageSpec random_spec(std::mt19937_64& rng, std::uint32_t nr_blocks, std::uint32_t nr_writesets) {
  ImageSpec s;
  s.nr_blocks = nr_blocks;
  s.current_era = nr_writesets + 10;
  s.era_array.resize(nr_blocks);
  for (auto& e : s.era_array) e = (rng() % 3 == 0) ? static_cast<std::uint32_t>(rng() % 8) : 0;
  for (std::uint32_t i = 0; i < nr_writesets; ++i) {
    WritesetSpec ws;
    ws.era = 8 + i;
    // Resized devices leave writesets smaller or larger than nr_blocks.
    ws.nr_bits = i % 3 == 0 ? nr_blocks : (i % 3 == 1 ? nr_blocks / 2 + 1 : nr_blocks + 100);
    for (int k = 0; k < 40; ++k) ws.bits.push_back(rng() % ws.nr_bits);
    s.writesets.push_back(ws);
  }
  return s;
}

}  // namespace

TEST_CASE("written-since equals the format's definition on built images") {
  std::mt19937_64 rng(42);
  for (std::uint32_t nr_blocks : {1u, 63u, 64u, 1018u, 1019u, 40000u}) {
    for (std::uint32_t nws : {0u, 1u, 5u}) {
      ImageSpec spec = random_spec(rng, nr_blocks, nws);
      MemoryMetadataSource src(MetadataBuilder::build(spec));
      for (std::uint32_t n : {0u, 1u, 3u, 7u, 8u, 9u, 12u, 100u, 0xFFFFFFFFu}) {
        for (unsigned threads : {1u, 2u}) {
          WrittenSinceOptions o;
          o.since_era = n;
          o.threads = threads;
          const WrittenSet w = read_written_since(src, o);
          REQUIRE(w.nr_blocks == nr_blocks);
          REQUIRE(w.current_era == spec.current_era);
          REQUIRE(as_vector(w.blocks) == model(spec, n, std::nullopt));
        }
      }
    }
  }
}

TEST_CASE("multi-level btrees and many writesets are walked completely") {
  std::mt19937_64 rng(1);
  // 300000 blocks: 295 era-array blocks (two-level array btree); 250 writesets (two-level
  // writeset tree, max 201 per leaf).
  ImageSpec spec = random_spec(rng, 300000, 250);
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  REQUIRE(MetadataBuilder::last_layout().era_array_blocks.size() == 295);
  for (std::uint32_t n : {0u, 5u, 100u, 200u, 257u}) {
    WrittenSinceOptions o;
    o.since_era = n;
    REQUIRE(as_vector(read_written_since(src, o).blocks) == model(spec, n, std::nullopt));
  }
}

TEST_CASE("shared array blocks (kernel-grown arrays) are read once and used at every index") {
  ImageSpec spec;
  spec.nr_blocks = 1018 * 20 + 5;
  spec.current_era = 9;
  spec.era_array.resize(spec.nr_blocks);
  spec.era_array[1018 * 7 + 3] = 6;
  spec.era_array[spec.nr_blocks - 1] = 2;
  spec.share_zero_blocks = true;
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  const auto& blocks = MetadataBuilder::last_layout().era_array_blocks;
  REQUIRE(std::count(blocks.begin(), blocks.end(), blocks[0]) == 19);  // 21 blocks, 2 distinct
  for (std::uint32_t n : {0u, 1u, 3u, 7u}) {
    WrittenSinceOptions o;
    o.since_era = n;
    REQUIRE(as_vector(read_written_since(src, o).blocks) == model(spec, n, std::nullopt));
  }
}

TEST_CASE("current writeset counts only when asked for, as era current_era") {
  ImageSpec spec;
  spec.nr_blocks = 100;
  spec.current_era = 4;
  spec.era_array.assign(100, 1);
  spec.current_writeset = WritesetSpec{0, 100, {2, 3, 99}};
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  WrittenSinceOptions o;
  o.since_era = 4;
  CHECK(read_written_since(src, o).blocks.count() == 0);  // the tools' behaviour
  o.include_current_writeset = true;
  CHECK(as_vector(read_written_since(src, o).blocks) == model(spec, 4, spec.current_writeset));
  o.since_era = 5;
  CHECK(read_written_since(src, o).blocks.count() == 0);
}

TEST_CASE("metadata snapshot: only the snapshot's trees are read, never the live ones") {
  ImageSpec spec;
  spec.nr_blocks = 64;
  spec.current_era = 6;
  spec.era_array.assign(64, 0);
  spec.writesets = {WritesetSpec{5, 64, {9, 10}}};
  spec.current_writeset = WritesetSpec{0, 64, {40}};
  era_test::EraTreesSpec snap;
  snap.nr_blocks = 32;
  snap.current_era = 5;
  snap.era_array.assign(32, 0);
  snap.writesets = {WritesetSpec{4, 32, {1, 2, 3}}};
  spec.snapshot = snap;
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  WrittenSinceOptions o;
  o.since_era = 1;
  o.superblock = SuperblockChoice::kMetadataSnapshot;
  o.include_current_writeset = true;  // ignored for a snapshot: its current writeset is stale
  const WrittenSet w = read_written_since(src, o);
  CHECK(w.superblock_location == MetadataBuilder::last_layout().snapshot);
  CHECK(w.nr_blocks == 32);
  CHECK(as_vector(w.blocks) == model(snap, 1, std::nullopt));
  o.superblock = SuperblockChoice::kLive;
  CHECK(as_vector(read_written_since(src, o).blocks) == model(spec, 1, spec.current_writeset));
}

TEST_CASE("no snapshot held: asking for it is an error") {
  ImageSpec spec;
  spec.nr_blocks = 10;
  spec.current_era = 1;
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  WrittenSinceOptions o;
  o.superblock = SuperblockChoice::kMetadataSnapshot;
  CHECK_THROWS_WITH(read_written_since(src, o), Catch::Contains("no metadata snapshot"));
}

TEST_CASE("an empty era array (nr_blocks 0) gives an empty set") {
  ImageSpec spec;
  spec.nr_blocks = 0;
  spec.current_era = 1;
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  const WrittenSet w = read_written_since(src, {});
  CHECK(w.blocks.size() == 0);
}

TEST_CASE("every single-field damage of array and node headers is rejected, never crashes") {
  ImageSpec spec;
  spec.nr_blocks = 3000;
  spec.current_era = 5;
  spec.era_array.assign(3000, 2);
  spec.writesets = {WritesetSpec{3, 3000, {1, 2999}}};
  const auto good = MetadataBuilder::build(spec);
  const auto layout = MetadataBuilder::last_layout();
  struct Damage {
    std::uint64_t block;
    std::size_t off;
    std::uint64_t value;
    std::size_t size;
    const char* msg;
  };
  const std::uint64_t ab = layout.era_array_blocks[1];
  const std::vector<Damage> cases = {
      {ab, 4, 1017, 4, "max_entries 1017"},
      {ab, 8, 1017, 4, "nr_entries 1017, expected 1018"},
      {ab, 12, 8, 4, "value_size 8 != 4"},
      {ab, 16, 1, 8, "blocknr field 1"},
      {layout.era_array_root, 16, 0, 4, "empty"},  // root leaf with 0 entries -> wrong count
      {layout.era_array_root, 32 + 8 * 252, 9999999, 8, "out of range"},
      {layout.writeset_tree_root, 32, 6, 8, "era key 6 > current_era 5"},
      {layout.writeset_tree_root, 32, 1ull << 33, 8, "does not fit in 32 bits"},
      {layout.bitset_roots[0], 4, 1, 4, "btree node"},  // flags: leaf -> internal
  };
  for (const auto& d : cases) {
    auto img = good;
    MetadataBuilder::patch(img, d.block, d.off, d.value, d.size);
    MemoryMetadataSource src(std::move(img));
    INFO(d.msg);
    CHECK_THROWS_AS(read_written_since(src, {}), MetadataError);
  }
}

TEST_CASE("trust_kernel_order: same answer on kernel-shaped metadata, era array values unread") {
  std::mt19937_64 rng(77);
  // random_spec keeps era-array values (< 8) below the archived eras (8..), as digestion does.
  const ImageSpec spec = random_spec(rng, 5000, 4);
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  for (std::uint32_t n : {0u, 3u, 7u, 8u, 9u, 11u, 12u, 20u}) {
    INFO("since " << n);
    WrittenSinceOptions o;
    o.since_era = n;
    o.trust_kernel_order = true;
    const WrittenSet w = read_written_since(src, o);
    CHECK(as_vector(w.blocks) == model(spec, n, std::nullopt));
    CHECK(w.era_array_values_read == (n < 8));  // 8 is the lowest archived era
  }
}

TEST_CASE("trust_kernel_order: hand-made metadata breaking the kernel's order loses blocks") {
  ImageSpec spec;
  spec.nr_blocks = 64;
  spec.current_era = 12;
  spec.era_array.assign(64, 0);
  spec.era_array[5] = 11;  // above the lowest archived era: no kernel writes this
  spec.writesets = {WritesetSpec{8, 64, {1}}, WritesetSpec{10, 64, {2}}};
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  WrittenSinceOptions o;
  o.since_era = 9;
  CHECK(as_vector(read_written_since(src, o).blocks) == model(spec, 9, std::nullopt));
  o.trust_kernel_order = true;
  const auto trusted = as_vector(read_written_since(src, o).blocks);
  CHECK(trusted != model(spec, 9, std::nullopt));
  CHECK_FALSE(trusted[5]);  // why the option is off by default
  CHECK(trusted[2]);
}

TEST_CASE("trust_kernel_order: an empty writeset tree still reads the era array") {
  ImageSpec spec;
  spec.nr_blocks = 100;
  spec.current_era = 5;
  spec.era_array.assign(100, 0);
  spec.era_array[42] = 3;
  MemoryMetadataSource src(MetadataBuilder::build(spec));
  WrittenSinceOptions o;
  o.since_era = 2;
  o.trust_kernel_order = true;
  const WrittenSet w = read_written_since(src, o);
  CHECK(w.era_array_values_read);
  CHECK(as_vector(w.blocks) == model(spec, 2, std::nullopt));  // 1.1 returns nothing here
}
