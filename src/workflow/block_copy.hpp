// Copies byte extents from one volume to another through the copier library (io_uring,
// O_DIRECT, exclusive opens), showing progress on a terminal, optionally verifying.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

struct ByteExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct CopyReport {
  uint64_t bytes = 0;
  uint64_t extents = 0;
  double seconds = 0;
  std::optional<uint64_t> verify_mismatches;  // set when verified
};

struct CopyRequest {
  std::string src;
  std::string dst;
  std::vector<ByteExtent> extents;
  bool verify = false;
  bool progress = true;
};

CopyReport copy_volume_extents(const CopyRequest& request);

// Block ranges to byte extents, the last block clamped to the volume size.
std::vector<ByteExtent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                          uint64_t granularity, uint64_t volume_size);

}  // namespace schelk
