// The copier's cancel check: once should_stop says so, no new extent is started, the in-flight
// I/O completes (a read in flight still gets its write), and CopyCancelled reports the bytes done.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <string>

#include "copier/errors.hpp"
#include "copier/transfer.hpp"
#include "tests/support/copier_test_support.hpp"

using copier::Extent;
using copier_test::FakeEngineFactory;
using copier_test::FakeWorld;

namespace {

constexpr std::uint64_t kBlock = copier_test::kTransferBlock;
constexpr std::uint64_t kBlocks = copier_test::kTransferBlocks;
std::vector<Extent> every_block() { return copier_test::every_transfer_block(); }

std::size_t count_prefix(const std::vector<std::string>& log, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(
      log.begin(), log.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

copier::TransferConfig config(FakeEngineFactory& factory, unsigned depth) {
  copier::TransferConfig cfg;
  cfg.threads = 1;
  cfg.depth = depth;
  cfg.slot_bytes = kBlock;
  cfg.factory = &factory;
  return cfg;
}

}  // namespace

TEST_CASE("transfer: should_stop starts nothing more, drains in flight, throws CopyCancelled") {
  FakeWorld world;
  world.files = {std::vector<std::byte>(kBlocks * kBlock, std::byte{1}),
                 std::vector<std::byte>(kBlocks * kBlock, std::byte{2})};
  FakeEngineFactory factory(world);
  auto cfg = config(factory, 4);
  std::atomic<unsigned> asked{0};
  cfg.should_stop = [&asked] { return ++asked > 8; };  // 8 extents start, then the stop
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  try {
    (void)copier::run_transfer(cfg, every_block());
    FAIL("run_transfer did not throw");
  } catch (const copier::CopyCancelled& e) {
    done = e.done_bytes();
    total = e.total_bytes();
  }
  REQUIRE(total == kBlocks * kBlock);
  REQUIRE(done == 8 * kBlock);
  // Exactly the 8 started extents were read, and each read (some in flight at the stop) was
  // written: nothing abandoned, nothing new.
  REQUIRE(count_prefix(world.log, "submit R") == 8);
  REQUIRE(count_prefix(world.log, "submit W") == 8);
  REQUIRE(count_prefix(world.log, "complete") == count_prefix(world.log, "submit"));
  for (std::uint64_t b = 0; b < kBlocks; ++b) {
    const auto expected = b < 8 ? std::byte{1} : std::byte{2};
    REQUIRE(world.files[1][b * kBlock] == expected);
  }
}

TEST_CASE("transfer: a stop asked before the first extent copies nothing") {
  FakeWorld world;
  world.files = {std::vector<std::byte>(kBlocks * kBlock, std::byte{1}),
                 std::vector<std::byte>(kBlocks * kBlock, std::byte{2})};
  FakeEngineFactory factory(world);
  auto cfg = config(factory, 2);
  cfg.should_stop = [] { return true; };
  REQUIRE_THROWS_AS(copier::run_transfer(cfg, every_block()), copier::CopyCancelled);
  REQUIRE(world.log.empty());
}

TEST_CASE("transfer: a should_stop that never says stop copies everything") {
  FakeWorld world;
  world.files = {std::vector<std::byte>(kBlocks * kBlock, std::byte{1}),
                 std::vector<std::byte>(kBlocks * kBlock, std::byte{2})};
  FakeEngineFactory factory(world);
  auto cfg = config(factory, 4);
  cfg.should_stop = [] { return false; };
  const auto r = copier::run_transfer(cfg, every_block());
  REQUIRE(r.bytes == kBlocks * kBlock);
  REQUIRE(world.files[1] == world.files[0]);
}
