// The writer's optional shared era-array layout (one all-zero block referenced from many
// indices): 0.9 era_check accepts it, 0.9 era_dump prints the same as for the unshared layout,
// and our own readers (read_written_since, check_metadata) agree on both layouts and with the
// model.
#include <catch2/catch.hpp>
#include <random>

#include "era_metadata/check.hpp"
#include "era_metadata/endian.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/writer.hpp"
#include "era_metadata/written_since.hpp"
#include "tests/support/era_model_gen.hpp"
#include "tests/support/era_tool_run.hpp"

using namespace era_metadata;

namespace {

const std::string kEraCheck = "/usr/sbin/era_check";
const std::string kEraDump = "/usr/sbin/era_dump";

// nr_full_blocks full era-array blocks plus a partial one; only the blocks in `nonzero` hold
// non-zero eras. Two writesets with scattered bits.
era_test::Model mostly_zero_model(std::uint32_t nr_full_blocks, std::vector<std::uint32_t> nonzero,
                                  std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  era_test::Model m;
  m.block_size = 128;
  m.nr_blocks = nr_full_blocks * kEraEntriesPerBlock + 37;
  m.current_era = 6;
  m.eras.assign(m.nr_blocks, 0);
  for (const std::uint32_t k : nonzero) {
    for (std::uint32_t j = 0; j < kEraEntriesPerBlock;
         j += 1 + static_cast<std::uint32_t>(rng() % 200)) {
      const std::uint64_t b = std::uint64_t{k} * kEraEntriesPerBlock + j;
      if (b < m.nr_blocks) m.eras[b] = 1 + static_cast<std::uint32_t>(rng() % 4);
    }
  }
  m.eras[m.nr_blocks - 1] = 2;  // the partial last block is never shared
  for (const std::uint32_t era : {4u, 5u}) {
    era_test::Writeset w{era, m.nr_blocks, std::vector<bool>(m.nr_blocks)};
    for (int i = 0; i < 50; ++i) w.bits[rng() % m.nr_blocks] = true;
    m.writesets.push_back(std::move(w));
  }
  return m;
}

std::vector<std::byte> image_of(const EraModel& wm, bool share) {
  WriterOptions o;
  o.share_zero_era_blocks = share;
  const std::uint64_t blocks = metadata_blocks_needed(wm, o);
  MemoryMetadataSink sink(blocks);
  write_metadata(wm, blocks, sink, o);
  return sink.take_image();
}

std::vector<bool> to_bools(const BlockBitmap& b) {
  std::vector<bool> r(b.size());
  for (std::uint64_t i = 0; i < b.size(); ++i) r[i] = b.test(i);
  return r;
}

// What the space map says about block b: its 2-bit bitmap entry (single bitmap image).
unsigned bitmap_entry(const std::vector<std::byte>& img, std::uint64_t b) {
  const std::byte* words = img.data() + 3 * kBlockSize + kBitmapHeaderSize;
  const std::uint64_t w = load_le64(words + 8 * (b / 32));
  const unsigned bits = static_cast<unsigned>(w >> (2 * (b % 32))) & 3;
  return ((bits & 1) << 1) | (bits >> 1);  // bit 2e is worth 2, bit 2e + 1 is worth 1
}

void compare_layouts(const era_test::Model& m, std::uint64_t want_shared_uses) {
  const EraModel wm = m.to_writer_model();
  const auto shared = image_of(wm, true);
  const auto plain = image_of(wm, false);
  const std::uint64_t used_shared =
      load_le64(shared.data() + sb::kSpaceMapRoot + smroot::kNrAllocated);
  const std::uint64_t used_plain =
      load_le64(plain.data() + sb::kSpaceMapRoot + smroot::kNrAllocated);
  // Sharing saves every use of the zero block but one.
  CHECK(used_plain - used_shared == (want_shared_uses ? want_shared_uses - 1 : 0));

  // The era array's leaf values: the shared block appears want_shared_uses times, and the
  // space map holds its exact count (ref-count btree entry when >= 3).
  const std::byte* rc = shared.data() + 2 * kBlockSize;
  if (want_shared_uses >= 3) {
    REQUIRE(load_le32(rc + node::kNrEntries) == 1);
    const std::uint64_t blk = load_le64(rc + node::kHeaderSize);
    CHECK(load_le32(rc + node::kHeaderSize + 8 * std::size_t{btree_max_entries(4)}) ==
          want_shared_uses);
    CHECK(bitmap_entry(shared, blk) == 3);
  } else {
    CHECK(load_le32(rc + node::kNrEntries) == 0);
  }

  // Our readers: same answers on both layouts, equal to the model's.
  const MemoryMetadataSource src_shared(shared), src_plain(plain);
  for (const auto* src : {&src_shared, &src_plain}) {
    const Findings r = check_metadata(*src, {});
    INFO((r.errors().empty() ? std::string() : to_string(r.errors().front())));
    CHECK(r.ok());
    CHECK(r.warnings().empty());
  }
  for (std::uint32_t n = 0; n <= m.current_era + 1; ++n) {
    INFO("since era " << n);
    const auto want = era_test::written_since(m, n);
    for (const unsigned threads : {1u, 0u}) {
      WrittenSinceOptions o;
      o.since_era = n;
      o.threads = threads;
      CHECK(to_bools(read_written_since(src_shared, o).blocks) == want);
      CHECK(to_bools(read_written_since(src_plain, o).blocks) == want);
    }
  }

  // The independent truth: 0.9 accepts both and dumps them identically.
  if (!era_test::executable(kEraCheck) || !era_test::executable(kEraDump)) {
    FAIL("thin-provisioning-tools 0.9 (the oracle) is not installed: run scripts/install-deps.sh");
  }
  era_test::TempFile fs("share"), fp("plain");
  fs.write_bytes(shared.data(), shared.size());
  fp.write_bytes(plain.data(), plain.size());
  CHECK(era_test::run(kEraCheck + " " + fs.path() + " 2>&1").rc == 0);
  CHECK(era_test::run(kEraCheck + " " + fp.path() + " 2>&1").rc == 0);
  const std::string dump = era_test::run(kEraDump + " " + fs.path()).out;
  CHECK(!dump.empty());
  CHECK(dump == era_test::run(kEraDump + " " + fp.path()).out);
  CHECK(dump == era_test::dump_xml_09(m));
}

}  // namespace

TEST_CASE("writer share: many zero blocks become one block with an exact reference count") {
  // 300 full blocks, 5 with eras: 295 uses of the shared block (two-level era-array btree).
  compare_layouts(mostly_zero_model(300, {0, 7, 150, 298, 299}, 1), 295);
}

TEST_CASE("writer share: counts 1 and 2 live in the bitmap alone") {
  compare_layouts(mostly_zero_model(3, {0, 1}, 2), 1);
  compare_layouts(mostly_zero_model(3, {1}, 3), 2);
}

TEST_CASE("writer share: an all-zero era array shares every full block") {
  era_test::Model m = mostly_zero_model(40, {}, 4);
  compare_layouts(m, 40);
}

TEST_CASE("writer share: no zero block leaves the layout unshared") {
  compare_layouts(mostly_zero_model(4, {0, 1, 2, 3}, 5), 0);
}
