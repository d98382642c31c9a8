// The worker pool's limits: a worker thread that cannot start (D3: this used to end in
// std::terminate with the started threads still joinable), and the caps on threads and queue
// depth (io_uring refuses rings over 32768 entries).
#include "copier/transfer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <system_error>
#include <thread>

#include "copier/copy.hpp"
#include "copier/uring_engine.hpp"
#include "tests/support/copier_test_support.hpp"
#include "tests/support/temp_path.hpp"

using copier::Extent;
using copier_test::FakeEngineFactory;
using copier_test::FakeWorld;

namespace {

constexpr std::uint64_t kBlock = copier_test::kTransferBlock;
constexpr std::uint64_t kBlocks = copier_test::kTransferBlocks;
std::vector<Extent> every_block() { return copier_test::every_transfer_block(); }

}  // namespace

TEST_CASE("transfer: a thread that cannot start stops and joins the started workers") {
  FakeWorld world;
  world.files = {std::vector<std::byte>(kBlocks * kBlock, std::byte{1}),
                 std::vector<std::byte>(kBlocks * kBlock, std::byte{2})};
  FakeEngineFactory factory(world);
  copier::TransferConfig cfg;
  cfg.threads = 4;
  cfg.depth = 1;
  cfg.slot_bytes = kBlock;
  cfg.factory = &factory;
  std::atomic<unsigned> started{0};
  cfg.start_thread = [&started](std::function<void()> body) {
    if (started.load() == 2) throw std::system_error(EAGAIN, std::generic_category(), "thread");
    ++started;
    return std::thread(std::move(body));
  };
  try {
    (void)copier::run_transfer(cfg, every_block());
    FAIL("run_transfer did not throw");
  } catch (const std::system_error& e) {
    REQUIRE(e.code().value() == EAGAIN);
    REQUIRE(std::string(e.what()).rfind("cannot start copier thread 3 of 4: ", 0) == 0);
  }
  REQUIRE(started.load() == 2);
}

TEST_CASE("transfer: no thread at all can start") {
  FakeWorld world;
  world.files = {std::vector<std::byte>(kBlocks * kBlock),
                 std::vector<std::byte>(kBlocks * kBlock)};
  FakeEngineFactory factory(world);
  copier::TransferConfig cfg;
  cfg.threads = 2;
  cfg.slot_bytes = kBlock;
  cfg.factory = &factory;
  cfg.start_thread = [](std::function<void()>) -> std::thread {
    throw std::system_error(ENOMEM, std::generic_category(), "thread");
  };
  REQUIRE_THROWS_WITH(copier::run_transfer(cfg, every_block()),
                      Catch::StartsWith("cannot start copier thread 1 of 2: "));
  REQUIRE(world.log.empty());
}

TEST_CASE("copy: --threads above kMaxThreads is capped") {
  constexpr std::uint64_t kExtents = copier::kMaxThreads + 44;
  copier_test::StampedFile src_file(2 * kExtents * kBlock, 1), dst_file(2 * kExtents * kBlock, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  std::vector<Extent> extents;  // every other block, so none merge
  for (std::uint64_t i = 0; i < kExtents; ++i) extents.push_back({2 * i * kBlock, kBlock});
  copier::CopyOptions options;
  options.engine = copier::EngineKind::kSync;
  options.threads = 4294967295u;  // what "--threads -1" used to become
  const auto r = copier::copy_extents(src, dst, extents, options);
  REQUIRE(r.threads == copier::kMaxThreads);
  REQUIRE(r.bytes == kExtents * kBlock);
}

TEST_CASE("verify: a queue depth beyond io_uring's ring limit is capped, not refused") {
  REQUIRE(copier::uring_available());  // a prerequisite: fail, never skip
  // One thread with more extents than 32768 ring entries hold as compare slots (two legs each).
  constexpr std::uint64_t kExtents = copier::kMaxQueueDepth + 1;
  schelk::test::TempDir dir;
  for (const char* name : {"a", "b"}) {
    const base::UniqueFd fd(::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(fd);
    REQUIRE(::ftruncate(fd.get(), static_cast<off_t>(2 * kExtents * kBlock)) == 0);  // sparse
  }
  const auto a = copier::open_device((dir / "a").string(), copier::Access::kRead, true);
  const auto b = copier::open_device((dir / "b").string(), copier::Access::kRead, true);
  std::vector<Extent> extents;
  for (std::uint64_t i = 0; i < kExtents; ++i) extents.push_back({2 * i * kBlock, kBlock});
  copier::CopyOptions options;
  options.engine = copier::EngineKind::kUring;
  options.threads = 1;
  options.queue_depth = 65536;
  const auto v = copier::compare_extents(a, b, extents, options);
  REQUIRE(v.equal());
  REQUIRE(v.bytes_compared == kExtents * kBlock);
}

TEST_CASE("copy: a range that does not cover whole direct-I/O units is refused (D6)") {
  copier_test::StampedFile src_file(kBlocks * kBlock, 1), dst_file(kBlocks * kBlock, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  REQUIRE(dst.direct_io);  // files are written in 4096-byte units
  const std::vector<std::byte> before = dst_file.read_all();
  // "--block-size 512, block 1": widened to [0, 4096) it used to overwrite sectors 0 and 2-7.
  REQUIRE_THROWS_WITH(copier::copy_extents(src, dst, {{512, 512}}, {}),
                      "bytes [512, 1024) is not aligned to 4096 bytes, the direct-I/O unit of " +
                          dst_file.path() +
                          ": copying it would also overwrite the bytes around it; list whole " +
                          "4096-byte blocks");
  REQUIRE(dst_file.read_all() == before);
  REQUIRE(copier::copy_extents(src, dst, {{4096, 8192}}, {}).bytes == 8192);  // aligned: copied
}

TEST_CASE("verify: differences are reported in the caller's granule (D7)") {
  copier_test::StampedFile a_file(kBlocks * kBlock, 1), b_file(kBlocks * kBlock, 1);
  const std::vector<std::byte> ones(512, std::byte{0xff});
  b_file.write_at(3 * 512, ones.data(), ones.size());  // 512-byte sector 3 only
  const auto a = copier::open_device(a_file.path(), copier::Access::kRead, true);
  const auto b = copier::open_device(b_file.path(), copier::Access::kRead, true);
  copier::CopyOptions options;
  options.mismatch_granule = 512;
  const auto fine = copier::compare_extents(a, b, copier::whole_device(a), options);
  REQUIRE(fine.mismatches == std::vector<Extent>{{3 * 512, 512}});
  const auto coarse = copier::compare_extents(a, b, copier::whole_device(a), {});
  REQUIRE(coarse.mismatches == std::vector<Extent>{{0, 4096}});  // the default granule
}
