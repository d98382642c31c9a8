// Comparing two devices over a list of extents: both sides are re-read with O_DIRECT (bypassing
// the page cache) in parallel, hashed with XXH3-128, and differing extents are narrowed to the
// differing granules (CopyOptions::mismatch_granule, 4 KiB by default).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "copier/extent.hpp"

namespace copier {

struct Device;
struct CopyOptions;

struct VerifyResult {
  std::uint64_t bytes_compared = 0;
  std::vector<Extent> mismatches;  // sorted, merged
  std::uint64_t extents = 0;       // I/O units compared
  double seconds = 0;
  unsigned threads = 0;
  std::string engine;
  [[nodiscard]] bool equal() const { return mismatches.empty(); }
};

// Throws CopyError (naming the range and errno) after all in-flight reads drained.
[[nodiscard]] VerifyResult compare_extents(const Device& a, const Device& b,
                                           std::vector<Extent> extents, const CopyOptions& options);

}  // namespace copier
