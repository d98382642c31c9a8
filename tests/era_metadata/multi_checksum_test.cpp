#include "era_metadata/multi_checksum.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "era_metadata/format.hpp"

using namespace era_metadata;

TEST_CASE("verify_blocks agrees with verify_block for every count and damaged blocks") {
  std::mt19937 rng(3);
  for (std::size_t count = 0; count <= 8; ++count) {
    std::vector<std::byte> buf(count * kBlockSize);
    for (auto& b : buf) b = std::byte(rng());
    for (std::size_t i = 0; i < count; ++i) {
      std::span<std::byte, kBlockSize> blk(buf.data() + i * kBlockSize, kBlockSize);
      stamp_block(blk, BlockKind::kArrayBlock);
      if (i % 3 == 1) blk[4 + rng() % 4092] ^= std::byte{0x10};  // damage some
      if (i % 4 == 3) stamp_block(blk, BlockKind::kBtreeNode);   // wrong kind
    }
    std::unique_ptr<bool[]> ok(new bool[count + 1]);
    verify_blocks(buf.data(), count, BlockKind::kArrayBlock, ok.get());
    for (std::size_t i = 0; i < count; ++i) {
      BlockSpan blk(buf.data() + i * kBlockSize, kBlockSize);
      CHECK(ok[i] == verify_block(blk, BlockKind::kArrayBlock));
    }
  }
}
