#include "src/dm/era_status.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "src/dm/metadata_snapshot.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;

TEST_CASE("era status lines as the kernel prints them (doc/kernel-behaviour.md 1)") {
  const auto a = parse_era_status("8 75/4096 1 -");
  CHECK(a.metadata_block_sectors == 8);
  CHECK(a.used == 75);
  CHECK(a.total == 4096);
  CHECK(a.current_era == 1);
  CHECK(!a.snapshot_block);
  const auto b = parse_era_status("0 524288 era 8 75/4096 5 149");  // dmsetup's form
  CHECK(b.current_era == 5);
  REQUIRE(b.snapshot_block);
  CHECK(*b.snapshot_block == 149);
  const auto c = parse_era_status("8 15/1024 3 412\n");
  CHECK(c.used == 15);
  CHECK(*c.snapshot_block == 412);
}

TEST_CASE("malformed era status lines are refused") {
  for (const char* bad :
       {"", "Error", "8 75/4096 1", "8 754096 1 -", "8 75/4096 x -", "8 75/4096 1 -1", "8 75/ 1 -",
        "8 75/4096 1 - extra", "8 75/4096 99999999999 -"}) {
    CHECK_THROWS_AS(parse_era_status(bad), DmError);
  }
}

TEST_CASE("era table parameters as schelk's dmsetup table") {
  CHECK(era_table_params("/dev/ram0", "/dev/nvme2n1", 8) == "/dev/ram0 /dev/nvme2n1 8");
}

TEST_CASE("dm names: schelk's rules") {
  CHECK_NOTHROW(validate_dm_name("bench_era"));
  CHECK_NOTHROW(validate_dm_name("era-a.1+x"));
  CHECK_THROWS_AS(validate_dm_name(""), DmError);
  CHECK_THROWS_AS(validate_dm_name("-era"), DmError);
  CHECK_THROWS_AS(validate_dm_name("era a"), DmError);
  CHECK_THROWS_AS(validate_dm_name("era/a"), DmError);
  CHECK_THROWS_AS(validate_dm_name(".."), DmError);
}

TEST_CASE("a metadata snapshot hold drops on release and, best-effort, when abandoned") {
  test::FakeDmControl dm;
  dm.device = true;
  std::ostringstream warnings;
  {
    MetadataSnapshotHold hold(dm, "era", warnings);
    CHECK(dm.snapshot);
    hold.release();
    CHECK_FALSE(dm.snapshot);
  }
  CHECK(dm.calls.own == std::vector<std::string>{"message era take_metadata_snap",
                                                 "message era drop_metadata_snap"});
  {
    MetadataSnapshotHold hold(dm, "era", warnings);  // abandoned, as when reading throws
  }
  CHECK_FALSE(dm.snapshot);
  CHECK(warnings.str().empty());
  {
    MetadataSnapshotHold hold(dm, "era", warnings);
    dm.fail_message = "drop_metadata_snap";
  }
  CHECK(warnings.str() ==
        "Warning: could not drop the metadata snapshot: message failed: drop_metadata_snap\n");
  {
    dm.fail_message.clear();
    dm.snapshot = false;
    MetadataSnapshotHold hold(dm, "era", warnings);
    dm.fail_message = "drop_metadata_snap";
    CHECK_THROWS_AS(hold.release(), DmError);  // the error is the caller's, not retried
  }
  CHECK(dm.calls.own.back() == "message era drop_metadata_snap");
  CHECK(std::count(dm.calls.own.begin(), dm.calls.own.end(), "message era drop_metadata_snap") ==
        4);
}

TEST_CASE("a missing dm-era target is named with its fix") {
  CHECK(missing_era_target_hint({"linear", "striped", "era", "error"}).empty());
  const std::string hint = missing_era_target_hint({"linear", "striped", "error"});
  CHECK(hint.find("no dm-era target") != std::string::npos);
  CHECK(hint.find("modprobe dm-era") != std::string::npos);
  CHECK_FALSE(missing_era_target_hint({}).empty());  // nothing listed: say it anyway
}

TEST_CASE("era table: one era target from sector 0 with major:minor devices, else none") {
  const auto t = parse_era_table({{0, 2097152, "era", "1:0 259:3 8"}});
  REQUIRE(t);
  CHECK(t->length_sectors == 2097152);
  CHECK(t->metadata == DevNumber{1, 0});
  CHECK(t->origin == DevNumber{259, 3});
  CHECK(t->block_sectors == 8);
  CHECK_FALSE(parse_era_table({}));
  CHECK_FALSE(parse_era_table({{0, 8, "linear", "1:0 0"}}));
  CHECK_FALSE(parse_era_table({{8, 8, "era", "1:0 259:3 8"}}));
  CHECK_FALSE(parse_era_table({{0, 8, "era", "1:0 259:3 8"}, {8, 8, "zero", ""}}));
  CHECK_FALSE(parse_era_table({{0, 8, "era", "/dev/ram0 259:3 8"}}));
  CHECK_FALSE(parse_era_table({{0, 8, "era", "1:0 259:3"}}));
  CHECK_FALSE(parse_era_table({{0, 8, "era", "1:0 259:3 8 extra"}}));
  CHECK_FALSE(parse_era_table({{0, 8, "era", "1:0 259:99999999999 8"}}));
  CHECK(describe_table({{0, 8, "era", "1:0 259:3 8"}, {8, 8, "zero", ""}}) ==
        "0 8 era 1:0 259:3 8; 8 8 zero");
  CHECK(describe_table({}) == "no table");
}
