// Damage and Findings: every corrupt fixture (fixtures/era/corrupt/, doc/dm-era-format.md
// section 11) gives a typed Damage whose kind and block are right and whose to_string() is the
// exact line the reader printed before damage was typed (the era tools print it unchanged).
#include "era_metadata/damage.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "era_metadata/check.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"
#include "fixture_util.hpp"
#include "tests/support/metadata_builder.hpp"

namespace em = era_metadata;
using em::DamageKind;

namespace {

struct Case {
  const char* file;
  bool snapshot;
  DamageKind kind;
  std::optional<std::uint64_t> block;
  const char* message;  // exact
};

const Case kCases[] = {
    {"c01_bad_magic", false, DamageKind::kMagic, 0, "superblock: magic 12345 != 2126579579"},
    {"c02_bad_sb_csum", false, DamageKind::kChecksum, 0, "superblock: bad checksum in block 0"},
    {"c03_sb_blocknr", false, DamageKind::kBlockNr, 0, "superblock: blocknr field 5 != location 0"},
    {"c04_version2", false, DamageKind::kVersion, 0, "superblock: unsupported version 2"},
    {"c05_node_csum", false, DamageKind::kChecksum, 4,
     "writeset tree node at block 4: bad checksum"},
    {"c05_node_csum", true, DamageKind::kNoSnapshot, 0,
     "superblock: no metadata snapshot is held (metadata_snap is 0)"},
    {"c06_node_blocknr", false, DamageKind::kBlockNr, 4,
     "writeset tree node at block 4: blocknr field 7 != location"},
    {"c07_nr_gt_max", false, DamageKind::kNrEntries, 4,
     "writeset tree node at block 4: nr_entries 202 > max_entries 201"},
    {"c08_max_too_large", false, DamageKind::kMaxEntries, 4,
     "writeset tree node at block 4: max_entries 300 too large for value_size 12"},
    {"c09_cycle", false, DamageKind::kCycle, 4,
     "writeset tree node at block 4: reached twice (cycle or shared node inside one tree)"},
    {"c10_ptr_out_of_range", false, DamageKind::kPointerPastEnd, std::nullopt,
     "era array btree: array block #0 at block 99999 is out of range (metadata has 1024 blocks)"},
    {"c11_leaf_value_size", false, DamageKind::kValueSize, 4,
     "writeset tree node at block 4: leaf value_size 16 != 12"},
    {"c12_keys_unsorted", false, DamageKind::kKeysOutOfOrder, 4,
     "writeset tree node at block 4: keys not strictly ascending (key 1 = 4 after 5)"},
    {"c13_ablock_value_size", false, DamageKind::kValueSize, 6,
     "era array array block #0 at block 6: value_size 8 != 4"},
    {"c14_ablock_short", false, DamageKind::kNrEntries, 6,
     "era array array block #0 at block 6: nr_entries 10, expected 16"},
    {"c15_array_index_gap", false, DamageKind::kArrayIndices, std::nullopt,
     "era array btree: array block indices are not 0..n-1 (key 1 where 0 was expected)"},
    {"c16_ws_nr_bits_mismatch", false, DamageKind::kNrEntries, 8,
     "writeset of era 3 array block #0 at block 8: nr_entries 1, expected 2"},
    {"c17_era_too_great", false, DamageKind::kEraTooGreat, 6,
     "era array array block #0 at block 6: era 77 of data block 3 > current_era 5"},
    {"c18_zero_sb", false, DamageKind::kUnformatted, 0,
     "superblock: block 0 is all zero: unformatted metadata (no era superblock)"},
    {"c19_tiny", false, DamageKind::kTooSmall, std::nullopt,
     "metadata device/file too small (less than 4096 bytes): no superblock"},
    {"c21_root_is_array_block", false, DamageKind::kWrongBlockKind, 6,
     "writeset tree node at block 6: bad checksum (not a btree node: the checksum is that of a "
     "array block)"},
    {"c22_node_flags0", false, DamageKind::kNodeFlags, 4,
     "writeset tree node at block 4: flags 0 is neither INTERNAL (1) nor LEAF (2)"},
    {"c23_snap_out_of_range", true, DamageKind::kPointerPastEnd, 0,
     "superblock: metadata_snap 5000 is past the end of the metadata (1024 blocks)"},
    {"c24_roots_equal", false, DamageKind::kRoleConflict, 0,
     "superblock: writeset_tree_root and era_array_root are both block 5"},
    {"c25_md_block_size", false, DamageKind::kMetadataBlockSize, 0,
     "superblock: metadata_block_size 16 != 8 sectors"},
    {"c26_snap_is_btree", true, DamageKind::kWrongBlockKind, 4,
     "metadata snapshot superblock at block 4: bad checksum in block 4 (the checksum is that of "
     "a btree node)"},
    {"c27_ws_bit_beyond_nr_blocks", false, DamageKind::kNrEntries, 6,
     "era array array block #0 at block 6: nr_entries 16, expected 8"},
    {"c28_era_array_root_zero", false, DamageKind::kPointerToSuperblock, 0,
     "superblock: era_array_root is 0 (points at the superblock)"},
};

em::MemoryMetadataSource fixture(const std::string& name) {
  return em::MemoryMetadataSource(era_test::load_gz("era/corrupt/" + name + ".bin.gz"));
}

bool has_line(const em::Findings& f, const std::string& line) {
  for (const auto& l : f.to_strings()) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("each corrupt fixture's damage has its kind, block and exact message") {
  for (const auto& c : kCases) {
    INFO(c.file << (c.snapshot ? " --metadata-snapshot" : ""));
    const auto src = fixture(c.file);
    em::WrittenSinceOptions o;
    o.since_era = 1;
    o.superblock =
        c.snapshot ? em::SuperblockChoice::kMetadataSnapshot : em::SuperblockChoice::kLive;
    try {
      (void)em::read_written_since(src, o);
      FAIL("no MetadataError");
    } catch (const em::MetadataError& e) {
      const em::Damage& d = e.damage();
      CHECK(std::string(e.what()) == c.message);
      CHECK(em::to_string(d) == c.message);
      CHECK(d.kind == c.kind);
      CHECK(d.block == c.block);
      CHECK(d.fatal());
    }
  }
}

TEST_CASE("era_check findings of corrupt fixtures are typed and print as before") {
  SECTION("era too great names the array block") {
    const em::Findings f = em::check_metadata(fixture("c17_era_too_great"), {});
    REQUIRE(f.errors().size() == 1);
    CHECK(f.errors()[0].kind == DamageKind::kEraTooGreat);
    CHECK(f.errors()[0].block == 6u);
    CHECK(f.to_strings() ==
          std::vector<std::string>{
              "error: era array: data block 3 has era 77 > current_era 5 (era too great)"});
  }
  SECTION("warnings come before errors, each kind as found") {
    const em::Findings f = em::check_metadata(fixture("c16_ws_nr_bits_mismatch"), {});
    CHECK(f.to_strings() ==
          std::vector<std::string>{
              "warning: writeset of era 3: nr_bits 100 != nr_blocks 16",
              "warning: space map: reference counts not compared, the walk was incomplete",
              "error: writeset of era 3 array block #0 at block 8: nr_entries 1, expected 2"});
    REQUIRE(f.warnings().size() == 2);
    CHECK(f.warnings()[0].kind == DamageKind::kBitsetSize);
    CHECK(f.warnings()[1].kind == DamageKind::kIncompleteWalk);
    CHECK(f.errors()[0].kind == DamageKind::kNrEntries);
  }
  SECTION("an unknown flag is a warning of its own kind") {
    const em::Findings f = em::check_metadata(fixture("c20_flags"), {});
    CHECK(f.ok());
    REQUIRE(f.warnings().size() == 1);
    CHECK(f.warnings()[0].kind == DamageKind::kUnknownFlags);
    CHECK(f.warnings()[0].severity == em::Severity::kWarning);
    CHECK(has_line(f, "warning: superblock: unknown flags 2"));
  }
  SECTION("a snapshot pointer past the end") {
    const em::Findings f = em::check_metadata(fixture("c23_snap_out_of_range"), {});
    REQUIRE(f.errors().size() == 1);
    CHECK(f.errors()[0].kind == DamageKind::kPointerPastEnd);
    CHECK(has_line(f,
                   "error: superblock: metadata_snap 5000 is past the end of the metadata "
                   "(1024 blocks)"));
  }
}

TEST_CASE("to_string, with_prefix and Findings") {
  const em::Damage d =
      em::make_error(DamageKind::kNrEntries, 812, "era array btree node at block 812",
                     "nr_entries 300 > max_entries 252");
  CHECK(em::to_string(d) == "era array btree node at block 812: nr_entries 300 > max_entries 252");
  CHECK(em::to_string(em::with_prefix(d, "snapshot ")) ==
        "snapshot era array btree node at block 812: nr_entries 300 > max_entries 252");
  const em::Damage bare = em::make_error(DamageKind::kRoleConflict, 5, "", "block 5 is used twice");
  CHECK(em::to_string(bare) == "block 5 is used twice");
  CHECK(em::to_string(em::with_prefix(bare, "repair: skipped: ")) ==
        "repair: skipped: block 5 is used twice");
  CHECK(em::with_prefix(d, "x").kind == DamageKind::kNrEntries);
  CHECK(em::with_prefix(d, "x").block == 812u);

  em::Findings f;
  CHECK(f.ok());
  f.add(d);
  f.add(em::make_warning(DamageKind::kUnderfull, 7, "writeset tree node at block 7",
                         "nr_entries 1 < max_entries/3 (67)"));
  f.add(bare);
  CHECK_FALSE(f.ok());
  CHECK(f.errors().size() == 2);
  CHECK(f.warnings().size() == 1);
  CHECK(f.to_strings() ==
        std::vector<std::string>{
            "warning: writeset tree node at block 7: nr_entries 1 < max_entries/3 (67)",
            "error: era array btree node at block 812: nr_entries 300 > max_entries 252",
            "error: block 5 is used twice"});

  // The exception carries the damage; copies share it.
  const em::MetadataError e(d);
  const em::MetadataError copy = e;
  CHECK(std::string(copy.what()) == em::to_string(d));
  CHECK(copy.damage().kind == DamageKind::kNrEntries);
  CHECK(&copy.damage() == &e.damage());
}

namespace {

// f1 with the u32 at `offset` of `block` replaced (checksum restamped), as the field changes
// below were recorded before damage was typed.
em::MemoryMetadataSource f1_with(std::uint64_t block, std::size_t offset, std::uint32_t value) {
  auto image = era_test::load_gz("era/f1.bin.gz");
  era_test::MetadataBuilder::patch(image, block, offset, value, 4);
  return em::MemoryMetadataSource(std::move(image));
}

std::uint32_t f1_u32(std::uint64_t block, std::size_t offset) {
  const auto image = era_test::load_gz("era/f1.bin.gz");
  return em::load_le32(image.data() + block * em::kBlockSize + offset);
}

const em::Damage* find(const std::vector<em::Damage>& v, DamageKind kind, const std::string& text) {
  for (const auto& d : v) {
    if (d.kind == kind && em::to_string(d) == text) return &d;
  }
  return nullptr;
}

em::Damage thrown_by_reader(const em::MetadataSource& src) {
  try {
    (void)em::read_written_since(src, {});
  } catch (const em::MetadataError& e) {
    return e.damage();
  }
  FAIL("no MetadataError");
  return {};
}

}  // namespace

TEST_CASE("kinds no corrupt fixture shows: one field of f1 changed") {
  SECTION("space-map counts that disagree are warnings") {
    const auto src = f1_with(3, 16, f1_u32(3, 16) ^ 0x80000000u);
    const em::Findings f = em::check_metadata(src, {});
    CHECK(find(f.warnings(), DamageKind::kSpaceMapCount,
               "space-map index entry 0: nr_free 1013, but bitmap block 3 has 1012 free"));
    CHECK(find(f.warnings(), DamageKind::kSpaceMapCount,
               "space map: nr_allocated 11, but 12 blocks have a non-zero count"));
  }
  SECTION("a bitmap count of 3 without a ref-count entry is an error") {
    const em::Findings f = em::check_metadata(f1_with(3, 16, f1_u32(3, 16) + 1), {});
    CHECK(find(f.errors(), DamageKind::kRefCount,
               "space map: block 0 has bitmap count 3 but no entry in the ref-count tree"));
  }
  SECTION("a ref-count entry for a block whose bitmap count is not 3 is a warning") {
    const em::Findings f = em::check_metadata(f1_with(2, 16, f1_u32(2, 16) + 1), {});
    CHECK(find(f.warnings(), DamageKind::kRefCount,
               "space-map ref-count tree: entry for block 0 whose bitmap count is not 3"));
  }
  SECTION("a space map too large for one index block") {
    const em::Findings f = em::check_metadata(f1_with(0, 44, 0xFFFFFFFFu), {});
    CHECK(find(f.errors(), DamageKind::kSpaceMapSize,
               "space map: nr_blocks 4294967295 > 4161600 (255 bitmap blocks)"));
  }
  SECTION("max_entries not a multiple of 3 is a warning") {
    const em::Findings f = em::check_metadata(f1_with(4, 20, f1_u32(4, 20) + 1), {});
    const em::Damage* d =
        find(f.warnings(), DamageKind::kMaxEntries,
             "writeset tree node at block 4: max_entries 202 is not a multiple of 3");
    REQUIRE(d);
    CHECK(d->block == 4u);
  }
  SECTION("superblock nr_blocks >= 2^31") {
    const em::Damage d = thrown_by_reader(f1_with(0, 180, 0xFFFFFFFFu));
    CHECK(d.kind == DamageKind::kNrBlocks);
    CHECK(em::to_string(d) == "superblock: nr_blocks 4294967295 >= 2^31");
  }
  SECTION("an array btree with too few blocks") {
    const em::Damage d = thrown_by_reader(f1_with(5, 16, 0));
    CHECK(d.kind == DamageKind::kArrayLength);
    CHECK(em::to_string(d) == "era array btree: 0 array blocks, but 16 entries need 1");
  }
  SECTION("an array block pointer to the superblock, a block in two roles") {
    const auto src = f1_with(5, 20, f1_u32(5, 20) + 1);
    const em::Damage d = thrown_by_reader(src);
    CHECK(d.kind == DamageKind::kPointerToSuperblock);
    CHECK(em::to_string(d) == "era array btree: array block #0 at block 0 is the superblock");
    const em::Findings f = em::check_metadata(src, {});
    const em::Damage* role = find(f.errors(), DamageKind::kRoleConflict,
                                  "block 0 is used as the superblock and as an era array block");
    REQUIRE(role);
    CHECK(role->block == 0u);
  }
}
