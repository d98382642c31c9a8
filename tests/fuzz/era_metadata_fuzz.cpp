// libFuzzer target: the input is a metadata image; every reader entry point runs over it
// (written-since live/snapshot/current writeset, era content strict/repair + logical, full check).
// None may crash, hang, leak or read out of bounds; MetadataError is the expected failure.
//
// Checksums: byte 0 of each 4 KiB block is a tag, not part of the checksum. Tags 0..4 make the
// harness stamp a valid checksum of that kind (superblock, btree node, array block, bitmap,
// index) so mutations reach the structure checks; other tags leave the block as it is.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "era_metadata/check.hpp"
#include "era_metadata/checksum.hpp"
#include "era_metadata/era_content.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"

using namespace era_metadata;

namespace {

constexpr BlockKind kKinds[] = {BlockKind::kSuperblock, BlockKind::kBtreeNode,
                                BlockKind::kArrayBlock, BlockKind::kSpaceMapBitmap,
                                BlockKind::kSpaceMapIndex};

template <typename F>
void expect_metadata_error(F&& f) {
  try {
    f();
  } catch (const MetadataError& e) {
    // The message is the damage's, on one line.
    const std::string text = to_string(e.damage());
    if (text != e.what() || text.find('\n') != std::string::npos) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 16 blocks keep forged trees small enough for the dump path (which copies shared bitsets).
  if (size == 0 || size > 16 * kBlockSize) return 0;
  std::vector<std::byte> image((size + kBlockSize - 1) / kBlockSize * kBlockSize);
  for (std::size_t i = 0; i < size; ++i) image[i] = std::byte{data[i]};
  for (std::size_t b = 0; b * kBlockSize < image.size(); ++b) {
    std::byte* p = image.data() + b * kBlockSize;
    const auto tag = static_cast<std::uint8_t>(p[0]);
    if (tag < 5) stamp_block(std::span<std::byte, kBlockSize>(p, kBlockSize), kKinds[tag]);
  }
  // A tail shorter than a block is not part of the device, as with a real file.
  if (size % kBlockSize != 0 && data[size - 1] % 2 == 0)
    image.resize(size / kBlockSize * kBlockSize);
  MemoryMetadataSource src(std::move(image));
  const std::uint32_t since = static_cast<std::uint32_t>(size % 9);

  for (int mode = 0; mode < 3; ++mode) {
    WrittenSinceOptions o;
    o.since_era = since;
    o.threads = 1;
    o.superblock = mode == 1 ? SuperblockChoice::kMetadataSnapshot : SuperblockChoice::kLive;
    o.include_current_writeset = mode == 2;
    o.trust_kernel_order = mode == 2;
    expect_metadata_error([&] {
      const WrittenSet w = read_written_since(src, o);
      w.blocks.for_each_run([](std::uint64_t b, std::uint64_t e) {
        if (b >= e) __builtin_trap();
      });
    });
  }
  for (bool repair : {false, true}) {
    EraContentOptions o;
    o.repair = repair;
    o.include_current_writeset = true;
    o.threads = 1;
    expect_metadata_error([&] { (void)logical_eras(read_era_content(src, o)); });
  }
  CheckOptions c;
  c.threads = 1;
  (void)check_metadata(src, c);
  return 0;
}
