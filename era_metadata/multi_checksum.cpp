#include "era_metadata/multi_checksum.hpp"

#include <span>

#include "era_metadata/endian.hpp"
#include "era_metadata/format.hpp"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace era_metadata {
namespace {

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) void raw_crc3(const std::byte* a, const std::byte* b,
                                                const std::byte* c, std::uint32_t out[3]) {
  std::uint64_t ca = 0xFFFFFFFFu, cb = 0xFFFFFFFFu, cc = 0xFFFFFFFFu;
  // Bytes 4..7 first (4 bytes), then 511 u64 words from offset 8.
  ca = _mm_crc32_u32(static_cast<std::uint32_t>(ca), load_le32(a + 4));
  cb = _mm_crc32_u32(static_cast<std::uint32_t>(cb), load_le32(b + 4));
  cc = _mm_crc32_u32(static_cast<std::uint32_t>(cc), load_le32(c + 4));
  for (std::size_t off = 8; off < kBlockSize; off += 8) {
    ca = _mm_crc32_u64(ca, load_le64(a + off));
    cb = _mm_crc32_u64(cb, load_le64(b + off));
    cc = _mm_crc32_u64(cc, load_le64(c + off));
  }
  out[0] = static_cast<std::uint32_t>(ca);
  out[1] = static_cast<std::uint32_t>(cb);
  out[2] = static_cast<std::uint32_t>(cc);
}
#endif

}  // namespace

void verify_blocks(const std::byte* blocks, std::size_t count, BlockKind kind, bool* ok) {
  std::size_t i = 0;
#if defined(__x86_64__)
  if (have_sse42()) {
    const std::uint32_t x = checksum_xor(kind);
    for (; i + 3 <= count; i += 3) {
      const std::byte* a = blocks + i * kBlockSize;
      std::uint32_t crc[3];
      raw_crc3(a, a + kBlockSize, a + 2 * kBlockSize, crc);
      for (std::size_t k = 0; k < 3; ++k) {
        ok[i + k] = load_le32(a + k * kBlockSize) == (crc[k] ^ x);
      }
    }
  }
#endif
  for (; i < count; ++i) {
    ok[i] = verify_block(BlockSpan(blocks + i * kBlockSize, kBlockSize), kind);
  }
}

}  // namespace era_metadata
