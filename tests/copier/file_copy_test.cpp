// Real engines (io_uring and pread/pwrite) on temporary files with per-block stamps: every copied
// block carries its source's stamp, untouched blocks stay untouched; verify catches one flipped
// byte anywhere; unsafe requests are refused before any write.
#include <catch2/catch.hpp>
#include <random>

#include "copier/copy.hpp"
#include "copier/uring_engine.hpp"
#include "tests/support/copier_test_support.hpp"
#include "tests/support/prerequisite.hpp"

using copier::Extent;
using copier_test::StampedFile;

namespace {

constexpr std::uint64_t kBlocks = 2048;  // 8 MiB
constexpr std::uint64_t kSize = kBlocks * 4096;

copier::EngineKind engine_under_test() {
  return GENERATE(copier::EngineKind::kUring, copier::EngineKind::kSync);
}

bool skip_without_uring(copier::EngineKind kind) {
  if (kind == copier::EngineKind::kUring && !copier::uring_available()) {
    // io_uring is generated first, so no CHECK has run yet that a skip could hide.
    schelk::test::skip_test("io_uring unavailable here");
  }
  return false;
}

std::vector<Extent> scattered_extents(std::mt19937_64& rng) {
  std::vector<Extent> out;
  for (int i = 0; i < 300; ++i) {
    const std::uint64_t block = rng() % kBlocks;
    const std::uint64_t len = std::min<std::uint64_t>(1 + rng() % 70, kBlocks - block);
    out.push_back({block * 4096, len * 4096});
  }
  return out;
}

void require_stamps(const std::vector<std::byte>& data, const std::vector<Extent>& copied) {
  std::vector<bool> inside(kBlocks);
  for (const auto& e : copied) {
    for (std::uint64_t b = e.offset / 4096; b < e.end() / 4096; ++b) inside[b] = true;
  }
  for (std::uint64_t b = 0; b < kBlocks; ++b) {
    INFO("block " << b);
    REQUIRE(copier_test::has_stamp(data.data() + b * 4096, inside[b] ? 1 : 2, b));
  }
}

}  // namespace

TEST_CASE("real engines copy scattered extents block-exactly") {
  const auto kind = engine_under_test();
  if (skip_without_uring(kind)) return;
  StampedFile src_file(kSize, 1), dst_file(kSize, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  REQUIRE(src.direct_io);
  std::mt19937_64 rng(42);
  const auto extents = scattered_extents(rng);
  copier::CopyOptions options;
  options.engine = kind;
  options.threads = 2;
  options.queue_depth = 8;
  options.max_io_bytes = 64 * 1024;
  options.verify = true;
  const auto result = copier::copy_extents(src, dst, extents, options);
  REQUIRE(result.engine == (kind == copier::EngineKind::kUring ? "io_uring" : "sync"));
  REQUIRE(result.bytes == copier::total_bytes(copier::merge_extents(extents)));
  REQUIRE(result.verify);
  REQUIRE(result.verify->equal());
  REQUIRE(result.verify->bytes_compared == result.bytes);
  require_stamps(dst_file.read_all(), extents);
}

TEST_CASE("real engines copy a whole file with default settings") {
  const auto kind = engine_under_test();
  if (skip_without_uring(kind)) return;
  StampedFile src_file(kSize, 1), dst_file(kSize, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  copier::CopyOptions options;
  options.engine = kind;
  std::vector<copier::Progress> progress;
  options.on_progress = [&](const copier::Progress& p) { progress.push_back(p); };
  const auto result = copier::copy_extents(src, dst, copier::whole_device(src), options);
  REQUIRE(result.bytes == kSize);
  REQUIRE(src_file.read_all() == dst_file.read_all());
  REQUIRE_FALSE(progress.empty());
  REQUIRE(progress.back().done_bytes == kSize);
  REQUIRE(progress.back().total_bytes == kSize);
  for (std::size_t i = 1; i < progress.size(); ++i) {
    REQUIRE(progress[i - 1].done_bytes <= progress[i].done_bytes);
  }
}

TEST_CASE("verify catches a single flipped byte anywhere") {
  const auto kind = engine_under_test();
  if (skip_without_uring(kind)) return;
  StampedFile a_file(kSize, 1), b_file(kSize, 1);
  const auto a = copier::open_device(a_file.path(), copier::Access::kRead, false);
  const auto b = copier::open_device(b_file.path(), copier::Access::kRead, false);
  copier::CopyOptions options;
  options.engine = kind;
  options.threads = 2;
  REQUIRE(copier::compare_extents(a, b, copier::whole_device(a), options).equal());

  std::mt19937_64 rng(7);
  for (std::uint64_t offset : {std::uint64_t{0}, kSize - 1, std::uint64_t{(1 << 20) - 1},
                               std::uint64_t{1 << 20}, rng() % kSize, rng() % kSize}) {
    INFO("offset " << offset);
    std::byte original{};
    {
      auto data = b_file.read_all();
      original = data[offset];
    }
    const std::byte flipped = original ^ std::byte{0x04};
    b_file.write_at(offset, &flipped, 1);
    const auto r = copier::compare_extents(a, b, copier::whole_device(a), options);
    REQUIRE(r.bytes_compared == kSize);
    REQUIRE(r.mismatches == std::vector<Extent>{{offset / 4096 * 4096, 4096}});
    // Comparing only elsewhere sees no difference.
    const std::uint64_t block = offset / 4096;
    std::vector<Extent> others;
    if (block > 0) others.push_back({0, block * 4096});
    if (block + 1 < kBlocks) others.push_back({(block + 1) * 4096, kSize - (block + 1) * 4096});
    REQUIRE(copier::compare_extents(a, b, others, options).equal());
    b_file.write_at(offset, &original, 1);
  }
}

TEST_CASE("copy refuses ranges beyond either end before writing anything") {
  StampedFile src_file(kSize, 1), dst_file(kSize / 2, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  // The first extent is fine, the second lies past the destination's end.
  const std::vector<Extent> extents = {{0, 4096}, {kSize / 2, 4096}};
  try {
    (void)copier::copy_extents(src, dst, extents, {});
    FAIL("no error");
  } catch (const copier::CopyError& e) {
    const std::string what = e.what();
    REQUIRE(what.find("bytes [4194304, 4198400) lies beyond the end of " + dst_file.path()) !=
            std::string::npos);
  }
  REQUIRE(copier_test::has_stamp(dst_file.read_all().data(), 2, 0));
  REQUIRE_THROWS_AS(copier::copy_extents(src, dst, {{kSize, 1}}, {}), copier::CopyError);
}

TEST_CASE("copy refuses a file onto itself, whatever the path") {
  StampedFile file(kSize, 1);
  const auto src = copier::open_device(file.path(), copier::Access::kRead, true);
  const std::string other_path = "/proc/self/fd/" + std::to_string(src.fd());
  const auto dst = copier::open_device(other_path, copier::Access::kWrite, true);
  REQUIRE(copier::same_device(src, dst));
  REQUIRE_THROWS_WITH(copier::copy_extents(src, dst, {{0, 4096}}, {}),
                      Catch::Contains("onto itself"));
}

TEST_CASE("a file whose size is not a multiple of 4096 is copied buffered, to the last byte") {
  StampedFile src_file(kSize - 100, 1), dst_file(kSize - 100, 2);
  const auto src = copier::open_device(src_file.path(), copier::Access::kRead, true);
  const auto dst = copier::open_device(dst_file.path(), copier::Access::kWrite, true);
  REQUIRE_FALSE(src.direct_io);
  copier::CopyOptions options;
  options.verify = true;
  const auto r = copier::copy_extents(src, dst, copier::whole_device(src), options);
  REQUIRE(r.bytes == kSize - 100);
  REQUIRE(r.verify->equal());
  REQUIRE(src_file.read_all() == dst_file.read_all());
}

TEST_CASE("open_device names the path it cannot open") {
  REQUIRE_THROWS_WITH(copier::open_device("/nonexistent/schelk", copier::Access::kRead, false),
                      Catch::Contains("/nonexistent/schelk"));
  REQUIRE_THROWS_WITH(copier::open_device("/dev/null", copier::Access::kRead, false),
                      Catch::Contains("neither a block device nor a regular file"));
}

TEST_CASE("io_uring engine: fixed files and fixed buffers move the right bytes") {
  if (!copier::uring_available()) {
    schelk::test::skip_test("io_uring unavailable here");
  }
  StampedFile a_file(kSize, 1), b_file(kSize, 2);
  const auto a = copier::open_device(a_file.path(), copier::Access::kRead, false);
  const auto b = copier::open_device(b_file.path(), copier::Access::kWrite, false);
  void* mem = std::aligned_alloc(4096, 2 * 8192);
  auto* buf = static_cast<std::byte*>(mem);
  copier::EngineSetup setup;
  setup.fds = {a.fd(), b.fd()};
  setup.buffers = {{buf, 8192}, {buf + 8192, 8192}};
  setup.depth = 2;
  {
    copier::UringEngine engine(setup);
    REQUIRE(engine.fixed_buffers());
    std::vector<copier::Completion> done;
    engine.submit({copier::IoOp::kRead, 0, 5 * 4096, buf + 8192, 8192, 1, 7});
    while (done.empty()) engine.wait(done);
    REQUIRE(done == std::vector<copier::Completion>{{7, 8192}});
    REQUIRE(copier_test::has_stamp(buf + 8192, 1, 5));
    REQUIRE(copier_test::has_stamp(buf + 12288, 1, 6));
    done.clear();
    engine.submit({copier::IoOp::kWrite, 1, 100 * 4096, buf + 8192, 4096, 1, 9});
    while (done.empty()) engine.wait(done);
    REQUIRE(done == std::vector<copier::Completion>{{9, 4096}});
  }
  std::free(mem);
  const auto data = b_file.read_all();
  REQUIRE(copier_test::has_stamp(data.data() + 100 * 4096, 1, 5));
  REQUIRE(copier_test::has_stamp(data.data() + 101 * 4096, 2, 101));
}
