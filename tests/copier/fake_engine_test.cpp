// The copy/compare state machine driven by the scriptable fake engine: exact submit/complete
// sequences, short transfers, EAGAIN, EIO and end of device at chosen offsets, draining, progress.
#include <algorithm>
#include <catch2/catch.hpp>

#include "copier/completion.hpp"
#include "copier/copy.hpp"
#include "tests/support/copier_test_support.hpp"

using copier::Extent;
using copier::IoOp;
using copier_test::FakeEngineFactory;
using copier_test::FakeWorld;
using copier_test::StampedFile;

namespace {

constexpr std::uint64_t kSize = 64 * 4096;

// Real (tiny) files only give copy_extents devices to check sizes against; the data lives in
// the fake world.
struct Rig {
  StampedFile src_file{kSize, 1};
  StampedFile dst_file{kSize, 2};
  copier::Device src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  copier::Device dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  FakeWorld world;
  FakeEngineFactory factory{world};
  copier::CopyOptions options;

  Rig() {
    world.files = {src_file.read_all(), dst_file.read_all()};
    options.engine_factory = &factory;
    options.threads = 1;
    options.queue_depth = 1;
    options.max_io_bytes = 4096;
  }
  [[nodiscard]] bool dst_block_has(std::uint32_t generation, std::uint64_t block) const {
    return copier_test::has_stamp(world.files[1].data() + block * 4096, generation, block);
  }
};

std::size_t count_prefix(const std::vector<std::string>& log, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(
      log.begin(), log.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; }));
}

}  // namespace

TEST_CASE("fake engine: plain copy submits read then write per extent, in order") {
  Rig rig;
  const auto result = copier::copy_extents(rig.src, rig.dst, {{0, 8192}}, rig.options);
  REQUIRE(result.bytes == 8192);
  REQUIRE(result.engine == "fake");
  REQUIRE(rig.world.log == std::vector<std::string>{"submit R f0 @0+4096 #0", "complete #0 4096",
                                                    "submit W f1 @0+4096 #0", "complete #0 4096",
                                                    "submit R f0 @4096+4096 #0", "complete #0 4096",
                                                    "submit W f1 @4096+4096 #0",
                                                    "complete #0 4096"});
  REQUIRE(rig.dst_block_has(1, 0));
  REQUIRE(rig.dst_block_has(1, 1));
  REQUIRE(rig.dst_block_has(2, 2));
}

TEST_CASE("fake engine: a short read resubmits exactly the rest") {
  Rig rig;
  rig.world.faults.push_back({IoOp::kRead, 0, 0, 1000});
  rig.world.faults.push_back({IoOp::kWrite, 1, 0, 3000});
  const auto result = copier::copy_extents(rig.src, rig.dst, {{0, 4096}}, rig.options);
  REQUIRE(result.bytes == 4096);
  REQUIRE(rig.world.log == std::vector<std::string>{"submit R f0 @0+4096 #0", "complete #0 1000",
                                                    "submit R f0 @1000+3096 #0", "complete #0 3096",
                                                    "submit W f1 @0+4096 #0", "complete #0 3000",
                                                    "submit W f1 @3000+1096 #0",
                                                    "complete #0 1096"});
  REQUIRE(rig.dst_block_has(1, 0));
}

TEST_CASE("fake engine: EAGAIN and EINTR are retried") {
  Rig rig;
  rig.world.faults.push_back({IoOp::kWrite, 1, 0, -EAGAIN, 2});
  rig.world.faults.push_back({IoOp::kRead, 0, 0, -EINTR, 1});
  const auto result = copier::copy_extents(rig.src, rig.dst, {{0, 4096}}, rig.options);
  REQUIRE(result.bytes == 4096);
  REQUIRE(rig.world.log == std::vector<std::string>{"submit R f0 @0+4096 #0", "complete #0 -4",
                                                    "submit R f0 @0+4096 #0", "complete #0 4096",
                                                    "submit W f1 @0+4096 #0", "complete #0 -11",
                                                    "submit W f1 @0+4096 #0", "complete #0 -11",
                                                    "submit W f1 @0+4096 #0", "complete #0 4096"});
  REQUIRE(rig.dst_block_has(1, 0));
}

TEST_CASE("fake engine: EAGAIN forever is reported, not looped on") {
  Rig rig;
  rig.world.faults.push_back({IoOp::kRead, 0, 0, -EAGAIN, 1000000});
  REQUIRE_THROWS_AS(copier::copy_extents(rig.src, rig.dst, {{0, 4096}}, rig.options),
                    copier::CopyError);
  REQUIRE(count_prefix(rig.world.log, "submit") == copier::kMaxRetries + 1);
}

TEST_CASE("fake engine: EIO on a write names the range, drains, and starts nothing new") {
  Rig rig;
  rig.options.queue_depth = 4;
  rig.world.faults.push_back({IoOp::kWrite, 1, 5 * 4096, -EIO});
  std::uint64_t last_progress = 0;
  rig.options.on_progress = [&](const copier::Progress& p) { last_progress = p.done_bytes; };
  try {
    (void)copier::copy_extents(rig.src, rig.dst, {{0, 40 * 4096}}, rig.options);
    FAIL("no error");
  } catch (const copier::CopyError& e) {
    REQUIRE(e.range() == Extent{5 * 4096, 4096});
    REQUIRE(e.error_number() == EIO);
    const std::string what = e.what();
    REQUIRE(what.find("write of bytes [20480, 24576) to " + rig.dst.path) != std::string::npos);
    REQUIRE(what.find("Input/output error") != std::string::npos);
  }
  const auto& log = rig.world.log;
  // Drained: every submission completed.
  REQUIRE(count_prefix(log, "submit") == count_prefix(log, "complete"));
  // Nothing new after the failure was seen.
  const auto failed = std::find(log.begin(), log.end(), "complete #2 -5");
  REQUIRE(failed != log.end());
  REQUIRE(std::none_of(failed, log.end(),
                       [](const std::string& s) { return s.rfind("submit", 0) == 0; }));
  REQUIRE_FALSE(rig.dst_block_has(1, 5));
  REQUIRE(rig.dst_block_has(2, 5));
  REQUIRE(rig.dst_block_has(2, 39));  // never reached
  REQUIRE(last_progress <= 5 * 4096);
}

TEST_CASE("fake engine: a read hitting end of device is an error naming the source") {
  Rig rig;
  rig.world.faults.push_back({IoOp::kRead, 0, 4096, 0});
  try {
    (void)copier::copy_extents(rig.src, rig.dst, {{0, 8192}}, rig.options);
    FAIL("no error");
  } catch (const copier::CopyError& e) {
    REQUIRE(e.range() == Extent{4096, 4096});
    const std::string what = e.what();
    REQUIRE(what.find("read of bytes [4096, 8192) from " + rig.src.path) != std::string::npos);
    REQUIRE(what.find("unexpected end of device") != std::string::npos);
  }
  REQUIRE(rig.dst_block_has(1, 0));
  REQUIRE(rig.dst_block_has(2, 1));
}

TEST_CASE("fake engine: several threads and slots copy exactly the extents") {
  Rig rig;
  rig.options.threads = 3;
  rig.options.queue_depth = 5;
  rig.options.max_io_bytes = 3 * 4096;
  rig.world.faults.push_back({IoOp::kRead, 0, 10 * 4096, 4096});
  rig.world.faults.push_back({IoOp::kWrite, 1, 30 * 4096, -EAGAIN, 3});
  const std::vector<Extent> extents = {
      {0, 4096}, {8 * 4096, 9 * 4096}, {30 * 4096, 20 * 4096}, {63 * 4096, 4096}};
  const auto result = copier::copy_extents(rig.src, rig.dst, extents, rig.options);
  REQUIRE(result.bytes == 31 * 4096);
  for (std::uint64_t b = 0; b < 64; ++b) {
    const bool inside = b == 0 || (b >= 8 && b < 17) || (b >= 30 && b < 50) || b == 63;
    INFO("block " << b);
    REQUIRE(rig.dst_block_has(inside ? 1 : 2, b));
  }
}

TEST_CASE("fake engine: compare reports the differing granule only") {
  Rig rig;
  rig.options.queue_depth = 3;
  rig.options.max_io_bytes = 1 << 20;
  rig.world.files[1] = rig.world.files[0];
  rig.world.files[1][7 * 4096 + 100] ^= std::byte{1};
  rig.world.files[1][8 * 4096] ^= std::byte{0x80};
  rig.world.files[1][40 * 4096 + 4095] ^= std::byte{0x10};
  const auto r = copier::compare_extents(rig.src, rig.dst, {{0, kSize}}, rig.options);
  REQUIRE(r.bytes_compared == kSize);
  REQUIRE(r.mismatches == std::vector<Extent>{{7 * 4096, 2 * 4096}, {40 * 4096, 4096}});
}
