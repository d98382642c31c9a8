// Little-endian loads and stores by byte offset. Every on-disk integer in dm-era metadata is
// little-endian and may be unaligned (btree values are packed), so nothing is read by casting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace era_metadata {

inline std::uint32_t load_le32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // x86-64 and every target we build for is little-endian; see static_assert below.
}

inline std::uint64_t load_le64(const std::byte* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store_le32(std::byte* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }
inline void store_le64(std::byte* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "big-endian hosts need byte swaps here");

}  // namespace era_metadata
