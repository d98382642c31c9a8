// The in-process written-set read on kernel-made metadata with a held snapshot, checked against
// thin-provisioning-tools 1.1's era_invalidate --metadata-snapshot output (0.9 is wrong there:
// it reads the live superblock and reports block 9999, written after the snapshot).
#include "src/workflow/written_set.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "src/workflow/block_copy.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;

namespace {

std::vector<BlockRange> parse_invalidate_xml(const std::string& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  const std::string text = b.str();
  std::vector<BlockRange> out;
  const std::regex re(R"re(<(range) begin="(\d+)" end\s*=\s*"(\d+)"/>|<(block) block="(\d+)"/>)re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    if (m[1].matched) {
      out.push_back({std::stoull(m[2]), std::stoull(m[3])});
    } else {
      const uint64_t blk = std::stoull(m[5]);
      out.push_back({blk, blk + 1});
    }
  }
  return out;
}

}  // namespace

TEST_CASE("written set through the metadata snapshot equals era_invalidate 1.1") {
  const std::string dir = std::string(SCHELK_FIXTURES_DIR) + "/era/kernel";
  test::TempDir tmp;
  const auto image = (tmp / "k2.bin").string();
  REQUIRE(std::system(("gzip -dc " + dir + "/k2_live_with_snap.bin.gz > " + image).c_str()) == 0);
  const auto expected = parse_invalidate_xml(dir + "/k2.snapshot-written-since-1.rust-1.1.xml");
  REQUIRE(!expected.empty());
  const auto got = read_written_from_snapshot(image, 1);
  CHECK(got.ranges == expected);
  CHECK(got.data_block_sectors == 8);
  CHECK(count_blocks(got.ranges) == 7);
  for (const auto& r : got.ranges) CHECK(r.begin != 9999);
}

TEST_CASE("block ranges become byte extents clamped to the volume size") {
  const auto e = ranges_to_extents({{0, 2}, {10, 12}, {20, 30}}, 4096, 11 * 4096 + 512);
  REQUIRE(e.size() == 2);
  CHECK(e[0].offset == 0);
  CHECK(e[0].length == 8192);
  CHECK(e[1].offset == 10 * 4096);
  CHECK(e[1].length == 4096 + 512);
}
