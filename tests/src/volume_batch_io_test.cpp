// Batched volume I/O over more than one 64 MiB batch: the reader hands out every block of the
// ranges once, in order, with the bytes the file holds (each 4 KiB block stamped with its index);
// the writer puts them back so the copy compares equal; the end is sticky.
#include "src/workflow/volume_batch_io.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "tests/support/temp_path.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;

namespace {

constexpr uint64_t kBlocks = 40000;  // 156 MiB: three batches

void stamp(std::string& block, uint64_t index) {
  block.assign(4096, static_cast<char>(index * 7));
  std::memcpy(block.data(), &index, sizeof index);
}

}  // namespace

TEST_CASE("batched reader and writer: every block of the ranges, in order, across batches") {
  test::TempDir dir;
  const std::string src = (dir.path() / "src").string();
  const std::string dst = (dir.path() / "dst").string();
  {
    std::ofstream out(src, std::ios::binary);
    std::string block;
    for (uint64_t i = 0; i < kBlocks; ++i) {
      stamp(block, i);
      out << block;
    }
  }
  std::ofstream(dst, std::ios::binary) << "";
  std::filesystem::resize_file(dst, kBlocks * 4096);
  // Most of the volume, with holes, and single blocks.
  const std::vector<BlockRange> ranges = {
      {0, 20000}, {20001, 20002}, {25000, 39990}, {39999, 40000}};
  BatchedVolumeReader reader(src, 4096, kBlocks * 4096, ranges, 8u << 20);
  BatchedVolumeWriter writer(dst, 4096, {});
  std::vector<BlockRange> seen;
  std::string want;
  bool all_match = true;
  while (auto piece = reader.next()) {
    REQUIRE(piece->data.size() % 4096 == 0);
    REQUIRE(piece->data.size() <= (8u << 20));
    for (size_t at = 0; at < piece->data.size(); at += 4096) {
      const uint64_t index = (piece->offset + at) / 4096;
      stamp(want, index);
      all_match = all_match && std::memcmp(piece->data.data() + at, want.data(), 4096) == 0;
    }
    append_range(seen, {piece->offset / 4096, (piece->offset + piece->data.size()) / 4096});
    writer.add(piece->offset, piece->data);
  }
  CHECK(all_match);
  CHECK(seen == ranges);
  CHECK_FALSE(reader.next());  // the end stays the end
  writer.finish();
  CHECK(writer.ranges() == ranges);
  // The written blocks equal the source's; the holes stayed zero.
  const std::string a = test::slurp(src), b = test::slurp(dst);
  for (const auto& r : ranges) {
    CHECK(a.compare(r.begin * 4096, (r.end - r.begin) * 4096, b, r.begin * 4096,
                    (r.end - r.begin) * 4096) == 0);
  }
  CHECK(b.substr(20000 * 4096, 4096) == std::string(4096, '\0'));
}

TEST_CASE("batched reader: a read error reaches the caller") {
  test::TempDir dir;
  const std::string src = (dir.path() / "short").string();
  std::ofstream(src, std::ios::binary) << std::string(8192, 'x');
  // Ranges past the end of the file: the read comes back short.
  const std::vector<BlockRange> ranges = {{0, 4}};
  BatchedVolumeReader reader(src, 4096, 4 * 4096, ranges, 8u << 20);
  CHECK_THROWS_WITH(reader.next(), Catch::Contains("Short read"));
}
