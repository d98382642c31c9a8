#include "era_metadata/metadata_source.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <new>
#include <system_error>

#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "tests/support/temp_path.hpp"

using namespace era_metadata;

namespace {

// `bytes` bytes, block i filled with the value i + 1.
std::string block_numbered_bytes(std::size_t bytes) {
  std::string data(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<char>(i / kBlockSize + 1);
  return data;
}

}  // namespace

TEST_CASE("file source: size in whole blocks, reads by block, refuses ranges past the end") {
  const schelk::test::TempFile file("source");
  file.write(block_numbered_bytes(3 * kBlockSize + 100));  // partial tail is not a block
  const std::string& path = file.path();
  auto src = FileMetadataSource::open(path, OpenMode::kExclusive);
  CHECK(src.size_in_blocks() == 3);
  CHECK_FALSE(src.is_block_device());
  alignas(kBlockSize) static std::byte buf[2 * kBlockSize];
  src.read_blocks(1, 2, buf);
  CHECK(buf[0] == std::byte{2});
  CHECK(buf[kBlockSize] == std::byte{3});
  CHECK_THROWS_AS(src.read_blocks(2, 2, buf), MetadataError);
  CHECK_THROWS_AS(src.read_blocks(3, 1, buf), MetadataError);
  CHECK_THROWS_AS(src.read_blocks(~std::uint64_t{0}, 2, buf), MetadataError);  // no overflow
  ::unlink(path.c_str());
  CHECK_THROWS_AS(FileMetadataSource::open(path, OpenMode::kShared), std::system_error);
}

TEST_CASE("memory source refuses ranges past the end, including overflowing ones") {
  MemoryMetadataSource src(std::vector<std::byte>(2 * kBlockSize + 5));
  CHECK(src.size_in_blocks() == 2);
  alignas(kBlockSize) static std::byte buf[kBlockSize];
  CHECK_NOTHROW(src.read_blocks(1, 1, buf));
  CHECK_THROWS_WITH(src.read_blocks(2, 1, buf), Catch::Contains("block 2 is out of range"));
  CHECK_THROWS_AS(src.read_blocks(1, ~std::uint64_t{0}, buf), MetadataError);
}

TEST_CASE("file source: a file that shrank after open gives a short-read damage naming the block") {
  const schelk::test::TempFile file("source");
  file.write(block_numbered_bytes(3 * kBlockSize));
  const std::string& path = file.path();
  auto opened = FileMetadataSource::open(path, OpenMode::kExclusive);
  const FileMetadataSource src = std::move(opened);  // the fd moves with the source
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(kBlockSize + 10)) == 0);
  alignas(kBlockSize) static std::byte buf[2 * kBlockSize];
  try {
    src.read_blocks(1, 2, buf);
    FAIL("no MetadataError");
  } catch (const MetadataError& e) {
    CHECK(e.damage().kind == DamageKind::kShortRead);
    CHECK(e.damage().block == 1u);
    CHECK(std::string(e.what()) == path + ": short read at metadata block 1");
  }
  ::unlink(path.c_str());
}
