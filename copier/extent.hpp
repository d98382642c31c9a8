// Byte ranges to copy or compare, and the planning step that turns an arbitrary list into I/O
// units: sorted, merged, aligned outward to the devices' logical block size, split to a maximum
// I/O size.
#pragma once

#include <cstdint>
#include <vector>

namespace copier {

struct Extent {
  std::uint64_t offset = 0;  // bytes
  std::uint64_t length = 0;  // bytes
  [[nodiscard]] std::uint64_t end() const { return offset + length; }
  friend bool operator==(const Extent&, const Extent&) = default;
};

// Sorts and merges overlapping or touching extents; drops empty ones.
[[nodiscard]] std::vector<Extent> merge_extents(std::vector<Extent> extents);

// merge_extents, with every extent first widened to multiples of `alignment` (a power of two),
// then split into pieces of at most `max_io` bytes (a multiple of `alignment`).
[[nodiscard]] std::vector<Extent> plan_extents(std::vector<Extent> extents, std::uint64_t alignment,
                                               std::uint64_t max_io);

[[nodiscard]] std::uint64_t total_bytes(const std::vector<Extent>& extents);

}  // namespace copier
