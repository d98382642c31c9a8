// Real block devices: loop devices over temporary files, when running as root (skipped cleanly
// otherwise). Exclusive opens, same-device refusal by device number, block-exact copies.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "copier/copy.hpp"
#include "tests/support/copier_test_support.hpp"
#include "tests/support/prerequisite.hpp"

using copier::Extent;
using copier_test::LoopDevice;
using copier_test::StampedFile;

namespace {

constexpr std::uint64_t kBlocks = 1024;
constexpr std::uint64_t kSize = kBlocks * 4096;

bool skip_without_loop(const LoopDevice& a, const LoopDevice& b) {
  if (a.path().empty() || b.path().empty()) {
    schelk::test::skip_test("needs root and loop devices");
  }
  return false;
}

}  // namespace

TEST_CASE("loop devices: scattered copy is block-exact, then verifies equal") {
  LoopDevice src_loop(kSize, 1), dst_loop(kSize, 2);
  if (skip_without_loop(src_loop, dst_loop)) return;
  const auto src = copier::open_device(src_loop.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_loop.path(), copier::Access::kWrite, true);
  REQUIRE(src.is_block_device);
  REQUIRE(src.size_bytes == kSize);
  const std::vector<Extent> extents = {{0, 4096}, {100 * 4096, 64 * 4096}, {1023 * 4096, 4096}};
  copier::CopyOptions options;
  options.verify = true;
  const auto r = copier::copy_extents(src, dst, extents, options);
  REQUIRE(r.bytes == 66 * 4096);
  REQUIRE(r.verify->equal());
  const auto data = dst_loop.file().read_all();
  for (std::uint64_t b = 0; b < kBlocks; ++b) {
    const bool inside = b == 0 || (b >= 100 && b < 164) || b == 1023;
    INFO("block " << b);
    REQUIRE(copier_test::has_stamp(data.data() + b * 4096, inside ? 1 : 2, b));
  }
  // The untouched blocks differ, and verify says which.
  const auto whole = copier::compare_extents(src, dst, copier::whole_device(src), options);
  REQUIRE(whole.mismatches == std::vector<Extent>{{4096, 99 * 4096}, {164 * 4096, 859 * 4096}});
}

TEST_CASE("loop devices: an exclusively held device is refused with a clear message") {
  LoopDevice a(kSize, 1), b(kSize, 2);
  if (skip_without_loop(a, b)) return;
  const auto held = copier::open_device(a.path(), copier::Access::kRead, true);
  REQUIRE_THROWS_WITH(copier::open_device(a.path(), copier::Access::kWrite, true),
                      Catch::Contains(a.path() + " is in use (mounted, claimed by device-mapper"));
}

TEST_CASE("loop devices: the same device under another path is refused by device number") {
  LoopDevice a(kSize, 1), b(kSize, 2);
  if (skip_without_loop(a, b)) return;
  struct stat st {};
  REQUIRE(::stat(a.path().c_str(), &st) == 0);
  const std::string alias = a.file().path() + ".node";
  REQUIRE(::mknod(alias.c_str(), S_IFBLK | 0600, st.st_rdev) == 0);
  const auto src = copier::open_device(a.path(), copier::Access::kRead, false);
  const auto dst = copier::open_device(alias, copier::Access::kWrite, false);
  ::unlink(alias.c_str());
  REQUIRE(copier::same_device(src, dst));
  REQUIRE_THROWS_WITH(copier::copy_extents(src, dst, {{0, 4096}}, {}),
                      Catch::Contains("onto itself"));
}

TEST_CASE("loop devices: a device is free for an exclusive open as soon as the copy returns") {
  LoopDevice a(kSize, 1), b(kSize, 2);
  if (skip_without_loop(a, b)) return;
  // io_uring releases a ring's registered files in a kernel worker after the ring is closed:
  // the engine must drop them itself, or this races (mount of dm-era right after recover).
  for (int i = 0; i < 20; ++i) {
    {
      const auto src = copier::open_device(a.path(), copier::Access::kRead, true);
      const auto dst = copier::open_device(b.path(), copier::Access::kWrite, true);
      copier::CopyOptions options;
      options.engine = copier::EngineKind::kUring;
      options.verify = true;
      (void)copier::copy_extents(src, dst, {{0, 64 * 4096}}, options);
    }
    REQUIRE_NOTHROW(copier::open_device(b.path(), copier::Access::kWrite, true));
    REQUIRE_NOTHROW(copier::open_device(a.path(), copier::Access::kWrite, true));
  }
}
