// Every corrupt fixture (fixtures/era/corrupt/, doc/dm-era-format.md section 11) is rejected with a
// message naming the block and field, or accepted with a warning where the format allows it.
#include <catch2/catch.hpp>

#include "era_metadata/errors.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"
#include "fixture_util.hpp"

using namespace era_metadata;

namespace {

struct Case {
  const char* file;
  bool snapshot;
  const char* error;  // substring of the message; nullptr = accepted
};

const Case kCases[] = {
    {"c01_bad_magic", false, "superblock: magic 12345"},
    {"c02_bad_sb_csum", false, "superblock: bad checksum in block 0"},
    {"c03_sb_blocknr", false, "superblock: blocknr field 5 != location 0"},
    {"c04_version2", false, "superblock: unsupported version 2"},
    {"c05_node_csum", false, "writeset tree node at block 4: bad checksum"},
    {"c06_node_blocknr", false, "writeset tree node at block 4: blocknr field 7"},
    {"c07_nr_gt_max", false, "writeset tree node at block 4: nr_entries 202 > max_entries 201"},
    {"c08_max_too_large", false, "writeset tree node at block 4: max_entries 300 too large"},
    {"c09_cycle", false, "writeset tree node at block 4: reached twice"},
    {"c10_ptr_out_of_range", false,
     "era array btree: array block #0 at block 99999 is out of range"},
    {"c11_leaf_value_size", false, "writeset tree node at block 4: leaf value_size 16 != 12"},
    {"c12_keys_unsorted", false, "writeset tree node at block 4: keys not strictly ascending"},
    {"c13_ablock_value_size", false, "era array array block #0 at block 6: value_size 8 != 4"},
    {"c14_ablock_short", false, "era array array block #0 at block 6: nr_entries 10, expected 16"},
    {"c15_array_index_gap", false, "era array btree: array block indices are not 0..n-1"},
    {"c16_ws_nr_bits_mismatch", false,
     "writeset of era 3 array block #0 at block 8: nr_entries 1, expected 2"},
    {"c17_era_too_great", false, "era 77 of data block 3 > current_era 5"},
    {"c18_zero_sb", false, "unformatted"},
    {"c19_tiny", false, "too small"},
    {"c20_flags", false, nullptr},  // warning only (tested below)
    {"c21_root_is_array_block", false,
     "writeset tree node at block 6: bad checksum (not a btree node: the checksum is that of a "
     "array block)"},
    {"c22_node_flags0", false, "writeset tree node at block 4: flags 0 is neither"},
    {"c23_snap_out_of_range", false, nullptr},  // the live superblock is fine
    {"c23_snap_out_of_range", true, "metadata_snap 5000 is past the end"},
    {"c24_roots_equal", false, "writeset_tree_root and era_array_root are both block 5"},
    {"c25_md_block_size", false, "metadata_block_size 16 != 8"},
    {"c26_snap_is_btree", false, nullptr},
    {"c26_snap_is_btree", true, "metadata snapshot superblock at block 4: bad checksum"},
    {"c27_ws_bit_beyond_nr_blocks", false,
     "era array array block #0 at block 6: nr_entries 16, expected 8"},
    {"c28_era_array_root_zero", false, "era_array_root is 0"},
    // Readable: only era_check's space-map comparison sees these (check_test.cpp).
    {"c29_shared_bitset", false, nullptr},
    {"c30_writesets_dropped", false, nullptr},
};

}  // namespace

TEST_CASE("corrupt fixtures are rejected with a message naming block and field") {
  for (const auto& c : kCases) {
    INFO(c.file << (c.snapshot ? " --metadata-snapshot" : ""));
    MemoryMetadataSource src(era_test::load_gz(std::string("era/corrupt/") + c.file + ".bin.gz"));
    WrittenSinceOptions o;
    o.since_era = 1;
    o.superblock = c.snapshot ? SuperblockChoice::kMetadataSnapshot : SuperblockChoice::kLive;
    if (c.error) {
      CHECK_THROWS_WITH(read_written_since(src, o), Catch::Contains(c.error));
      try {
        (void)read_written_since(src, o);
      } catch (const MetadataError& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
      }
    } else {
      CHECK_NOTHROW(read_written_since(src, o));
    }
  }
}

TEST_CASE("unknown superblock flag bits are a warning, not an error") {
  MemoryMetadataSource src(era_test::load_gz("era/corrupt/c20_flags.bin.gz"));
  const WrittenSet w = read_written_since(src, {});
  REQUIRE(w.findings.warnings().size() == 1);
  CHECK(to_string(w.findings.warnings()[0]) == "superblock: unknown flags 2");
  CHECK(w.findings.warnings()[0].kind == DamageKind::kUnknownFlags);
  CHECK(w.findings.errors().empty());
}
