#include "era_metadata/checksum.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "era_metadata/endian.hpp"
#include "era_metadata/format.hpp"

using namespace era_metadata;

TEST_CASE("crc32c matches the standard check value") {
  const char* s = "123456789";
  auto crc = crc32c_update(0xFFFFFFFFu, reinterpret_cast<const std::byte*>(s), 9) ^ 0xFFFFFFFFu;
  CHECK(crc == 0xE3069283u);
}

TEST_CASE("crc32c hardware and unaligned tails agree with the reference vectors") {
  // doc/dm-era-format.md section 0.1: 4092 zero bytes give raw CRC 0x58CDA791.
  std::vector<std::byte> zeros(4092);
  CHECK(crc32c_update(0xFFFFFFFFu, zeros.data(), zeros.size()) == 0x58CDA791u);
  std::array<std::byte, kBlockSize> block{};
  CHECK(block_checksum(block, BlockKind::kSuperblock) == 0x5076581Cu);
  CHECK(block_checksum(block, BlockKind::kBtreeNode) == 0x58CC7E82u);
  // Split updates equal one update, whatever the split point (exercises the byte tail).
  for (std::size_t i = 0; i < 64; ++i) block[i] = std::byte(i * 7 + 1);
  auto whole = crc32c_update(0xFFFFFFFFu, block.data(), 100);
  for (std::size_t cut = 0; cut <= 100; cut += 3) {
    auto part = crc32c_update(0xFFFFFFFFu, block.data(), cut);
    CHECK(crc32c_update(part, block.data() + cut, 100 - cut) == whole);
  }
}

TEST_CASE("stamp, verify and identify a block") {
  std::array<std::byte, kBlockSize> block{};
  block[100] = std::byte{42};
  stamp_block(block, BlockKind::kArrayBlock);
  CHECK(verify_block(block, BlockKind::kArrayBlock));
  CHECK_FALSE(verify_block(block, BlockKind::kBtreeNode));
  CHECK(identify_block(block) == BlockKind::kArrayBlock);
  block[4000] ^= std::byte{1};
  CHECK_FALSE(verify_block(block, BlockKind::kArrayBlock));
  CHECK_FALSE(identify_block(block).has_value());
}
