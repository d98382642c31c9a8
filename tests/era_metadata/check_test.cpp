#include "era_metadata/check.hpp"

#include <catch2/catch.hpp>

#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"
#include "fixture_util.hpp"
#include "tests/support/metadata_builder.hpp"

using namespace era_metadata;
using era_test::MetadataBuilder;

namespace {

bool has(const std::vector<Damage>& v, const std::string& needle) {
  for (const auto& d : v) {
    if (to_string(d).find(needle) != std::string::npos) return true;
  }
  return false;
}

era_test::ImageSpec shared_spec() {
  era_test::ImageSpec spec;
  spec.nr_blocks = 1018 * 6;
  spec.current_era = 7;
  spec.era_array.assign(spec.nr_blocks, 0);
  spec.era_array[5] = 3;
  spec.share_zero_blocks = true;  // one block referenced 5 times: counts >= 3 in the ref-count tree
  spec.writesets = {{5, spec.nr_blocks, {1, 2, 3}}, {6, spec.nr_blocks / 2, {7}}};
  spec.current_writeset = era_test::WritesetSpec{0, spec.nr_blocks, {9}};
  era_test::EraTreesSpec snap;
  snap.nr_blocks = 100;
  snap.current_era = 6;
  snap.era_array.assign(100, 1);
  snap.writesets = {{5, 100, {4}}};
  spec.snapshot = snap;
  return spec;
}

}  // namespace

TEST_CASE("check passes on good fixtures, kernel images included, with exact space-map counts") {
  for (std::string f : {"f1", "f1_rs", "f2_no_writesets", "f3_overlap", "f4_current_ws",
                        "emeta_snap", "f6_big", "rt_emeta", "kernel/k1_fresh_era1",
                        "kernel/k2_live_with_snap", "kernel/k3_offline_many_eras"}) {
    INFO(f);
    MemoryMetadataSource src(era_test::load_gz("era/" + f + ".bin.gz"));
    const Findings r = check_metadata(src, {});
    CHECK(r.ok());
    CHECK_FALSE(has(r.warnings(), "references were found"));
    CHECK_FALSE(has(r.warnings(), "not compared"));
  }
}

TEST_CASE("check passes on a built image with a snapshot, shared blocks and counts >= 3") {
  MemoryMetadataSource src(MetadataBuilder::build(shared_spec()));
  const Findings r = check_metadata(src, {});
  INFO((r.errors().empty() ? std::string() : to_string(r.errors()[0])));
  CHECK(r.ok());
  CHECK_FALSE(has(r.warnings(), "references were found"));
  CHECK_FALSE(has(r.warnings(), "not compared"));
}

TEST_CASE("check reports space-map counts that disagree with the walk") {
  auto img = MetadataBuilder::build(shared_spec());
  const auto layout = MetadataBuilder::last_layout();
  // Find the first bitmap block from the index and clear the count of the era-array root.
  const std::uint64_t bitmap =
      era_metadata::load_le64(img.data() + layout.sm_index * kBlockSize + 16);
  const std::uint64_t b = layout.era_array_root;
  std::byte* word = img.data() + bitmap * kBlockSize + kBitmapHeaderSize + 8 * (2 * b / 64);
  std::uint64_t w = era_metadata::load_le64(word);
  w &= ~(std::uint64_t{3} << ((2 * b) % 64));
  era_metadata::store_le64(word, w);
  era_metadata::stamp_block(
      std::span<std::byte, kBlockSize>(img.data() + bitmap * kBlockSize, kBlockSize),
      BlockKind::kSpaceMapBitmap);
  MemoryMetadataSource src(std::move(img));
  const Findings r = check_metadata(src, {});
  // A count below the references found is corruption (section 11 row 30): the kernel would
  // hand out a block that is still in use.
  CHECK_FALSE(r.ok());
  CHECK(
      has(r.errors(), "block " + std::to_string(b) + " has count 0, but 1 references were found"));
}

TEST_CASE("check: a count below the references is an error, above them a warning (D15)") {
  // c29: era 4's bitset root points at era 3's bitset (block 7, counted once, referenced twice);
  // era 4's own bitset (blocks 9, 10) is left counted but unreferenced.
  MemoryMetadataSource c29(era_test::load_gz("era/corrupt/c29_shared_bitset.bin.gz"));
  Findings r = check_metadata(c29, {});
  CHECK_FALSE(r.ok());
  REQUIRE(r.errors().size() == 1);
  CHECK(to_string(r.errors()[0]) ==
        "space map: block 7 has count 1, but 2 references were found (a count below the "
        "references: the kernel could reuse a block in use)");
  CHECK(r.errors()[0].kind == DamageKind::kRefCount);
  CHECK(has(r.warnings(), "space map: block 9 has count 1, but 0 references were found"));
  CHECK(has(r.warnings(), "space map: block 10 has count 1, but 0 references were found"));
  // c30: the writeset tree emptied; its four blocks are leaked, which the kernel tolerates.
  MemoryMetadataSource c30(era_test::load_gz("era/corrupt/c30_writesets_dropped.bin.gz"));
  r = check_metadata(c30, {});
  CHECK(r.ok());
  CHECK(r.warnings().size() == 4);
  for (int b = 7; b <= 10; ++b) {
    CHECK(has(r.warnings(), "space map: block " + std::to_string(b) +
                                " has count 1, but 0 references were found"));
  }
}

TEST_CASE("check finds era values above current_era and damaged snapshots") {
  MemoryMetadataSource c17(era_test::load_gz("era/corrupt/c17_era_too_great.bin.gz"));
  Findings r = check_metadata(c17, {});
  CHECK_FALSE(r.ok());
  CHECK(has(r.errors(), "data block 3 has era 77 > current_era 5"));
  MemoryMetadataSource c26(era_test::load_gz("era/corrupt/c26_snap_is_btree.bin.gz"));
  r = check_metadata(c26, {});
  CHECK_FALSE(r.ok());
  CHECK(has(r.errors(), "metadata snapshot superblock at block 4: bad checksum"));
  CheckOptions sb_only;
  sb_only.superblock_only = true;
  CHECK(check_metadata(c17, sb_only).ok());  // the era array is not looked at
}

TEST_CASE("check rejects every corrupt fixture except the harmless flags and leak ones") {
  for (int i = 1; i <= 30; ++i) {
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "c%02d_", i);
    std::string name;
    for (const char* n : {"c01_bad_magic",
                          "c02_bad_sb_csum",
                          "c03_sb_blocknr",
                          "c04_version2",
                          "c05_node_csum",
                          "c06_node_blocknr",
                          "c07_nr_gt_max",
                          "c08_max_too_large",
                          "c09_cycle",
                          "c10_ptr_out_of_range",
                          "c11_leaf_value_size",
                          "c12_keys_unsorted",
                          "c13_ablock_value_size",
                          "c14_ablock_short",
                          "c15_array_index_gap",
                          "c16_ws_nr_bits_mismatch",
                          "c17_era_too_great",
                          "c18_zero_sb",
                          "c19_tiny",
                          "c20_flags",
                          "c21_root_is_array_block",
                          "c22_node_flags0",
                          "c23_snap_out_of_range",
                          "c24_roots_equal",
                          "c25_md_block_size",
                          "c26_snap_is_btree",
                          "c27_ws_bit_beyond_nr_blocks",
                          "c28_era_array_root_zero",
                          "c29_shared_bitset",
                          "c30_writesets_dropped"}) {
      if (std::string(n).rfind(prefix, 0) == 0) name = n;
    }
    INFO(name);
    MemoryMetadataSource src(era_test::load_gz("era/corrupt/" + name + ".bin.gz"));
    const Findings r = check_metadata(src, {});
    CHECK(r.ok() == (i == 20 || i == 30));
    if (i == 20) CHECK(has(r.warnings(), "unknown flags 2"));
    if (i == 30) CHECK(has(r.warnings(), "references were found"));
  }
}

TEST_CASE("check reports a block used as two different structures") {
  era_test::ImageSpec spec;
  spec.nr_blocks = 1018 * 2;  // 2 era-array blocks
  spec.current_era = 4;
  spec.writesets = {{3, 509 * 64 * 2, {5}}};  // 2 bitset blocks: the same tree shape
  auto img = MetadataBuilder::build(spec);
  const auto layout = MetadataBuilder::last_layout();
  // Point the writeset's bitset root at the era array's btree.
  MetadataBuilder::patch(img, layout.writeset_tree_root, 32 + 8 * 201 + 4, layout.era_array_root,
                         8);
  MemoryMetadataSource src(std::move(img));
  const Findings r = check_metadata(src, {});
  CHECK_FALSE(r.ok());
  CHECK(has(r.errors(), "block " + std::to_string(layout.era_array_root) +
                            " is used as a bitset btree node and as an era array btree node"));
}
