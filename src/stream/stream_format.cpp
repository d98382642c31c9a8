#include "src/stream/stream_format.hpp"

#include <xxhash.h>

#include <cstring>
#include <span>

#include "base/posix_io.hpp"

namespace schelk::stream {
namespace {

void put_u16(uint8_t* p, uint16_t v) {
  for (int i = 0; i < 2; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

void put_hash(uint8_t* p, XXH128_hash_t h) {
  put_u64(p, h.low64);
  put_u64(p + 8, h.high64);
}

bool valid_block_size(uint64_t bs) { return bs >= 512 && bs % 512 == 0 && bs <= kMaxExtentBytes; }

}  // namespace

uint32_t max_extent_bytes(uint32_t block_size) { return kMaxExtentBytes / block_size * block_size; }

std::array<uint8_t, kHeaderBytes> encode_header(const StreamHeader& h) {
  if (!valid_block_size(h.block_size)) {
    throw std::invalid_argument("stream block size " + std::to_string(h.block_size) +
                                " is not a multiple of 512 up to 8 MiB");
  }
  if (h.fstype.size() > 16) throw std::invalid_argument("filesystem type longer than 16 bytes");
  if (h.zstd_level < 0 || h.zstd_level > 19) {
    throw std::invalid_argument("zstd level " + std::to_string(h.zstd_level) + ": use 0 to 19");
  }
  std::array<uint8_t, kHeaderBytes> b{};
  std::memcpy(b.data(), kMagic, 8);
  put_u16(&b[8], kVersion);
  put_u16(&b[10], kHeaderBytes);
  put_u32(&b[12], h.full ? 1 : 0);
  std::memcpy(&b[16], h.baseline_id.data(), 16);
  put_u64(&b[32], h.from_generation);
  put_u64(&b[40], h.to_generation);
  put_u64(&b[48], h.volume_bytes);
  put_u32(&b[56], h.block_size);
  b[60] = static_cast<uint8_t>(h.zstd_level);
  std::memcpy(&b[64], h.fstype.data(), h.fstype.size());
  std::memcpy(&b[80], h.superblock_sha256.data(), 32);
  put_hash(&b[112], XXH3_128bits(b.data(), 112));
  return b;
}

StreamHeader decode_header(const std::array<uint8_t, kHeaderBytes>& b) {
  if (std::memcmp(b.data(), kMagic, 8) != 0) {
    throw StreamError("not a schelk stream: no SCHLKSTR magic at stream byte 0");
  }
  const auto version = get_le(&b[8], 2);
  if (version != kVersion) {
    throw StreamError("stream version " + std::to_string(version) +
                      " at stream bytes 8-9; this schelk reads version " +
                      std::to_string(kVersion) + " (upgrade schelk on this host)");
  }
  uint8_t want[16];
  put_hash(want, XXH3_128bits(b.data(), 112));
  if (std::memcmp(want, &b[112], 16) != 0) {
    throw StreamError("stream header is corrupt: its hash (stream bytes 112-127) does not match");
  }
  if (get_le(&b[10], 2) != kHeaderBytes || (get_le(&b[12], 4) & ~uint64_t{1}) != 0 || b[61] ||
      b[62] || b[63]) {
    throw StreamError("stream header has fields this schelk does not know (stream bytes 10-63)");
  }
  StreamHeader h;
  h.full = get_le(&b[12], 4) & 1;
  std::memcpy(h.baseline_id.data(), &b[16], 16);
  h.from_generation = get_le(&b[32], 8);
  h.to_generation = get_le(&b[40], 8);
  h.volume_bytes = get_le(&b[48], 8);
  h.block_size = static_cast<uint32_t>(get_le(&b[56], 4));
  h.zstd_level = b[60];
  const auto* fs = reinterpret_cast<const char*>(&b[64]);
  h.fstype.assign(fs, strnlen(fs, 16));
  std::memcpy(h.superblock_sha256.data(), &b[80], 32);
  if (!valid_block_size(h.block_size) || h.volume_bytes == 0 || h.zstd_level > 19) {
    throw StreamError(
        "stream header has a block size, volume size or zstd level out of range "
        "(stream bytes 48-60)");
  }
  return h;
}

void FdSink::write(const void* data, size_t n) {
  base::write_full(fd_, std::span(static_cast<const std::byte*>(data), n), what_);
}

size_t FdSource::read(void* data, size_t n) {
  return base::read_full(fd_, std::span(static_cast<std::byte*>(data), n), what_);
}

}  // namespace schelk::stream
