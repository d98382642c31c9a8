// Copies byte extents from one volume to another through the copier library (io_uring,
// O_DIRECT, exclusive opens, the same-device refusal), showing progress on a terminal,
// optionally verifying; behind the VolumeCopier interface so the command flows run against a
// fake copier.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "copier/extent.hpp"
#include "src/state/journal.hpp"

namespace schelk {

struct CopyRequest {
  std::string src;
  std::string dst;
  std::vector<copier::Extent> extents;
  bool verify = false;
  bool progress = true;
};

struct CopyReport {
  uint64_t bytes = 0;
  uint64_t extents = 0;
  double seconds = 0;
  std::optional<uint64_t> verify_mismatches;  // set when verified
};

// Throws copier::CopyError (also for src and dst being the same device, before any I/O).
CopyReport copy_volume_extents(const CopyRequest& request);

class VolumeCopier {
 public:
  virtual ~VolumeCopier() = default;
  virtual CopyReport copy(const CopyRequest& request) = 0;
};

// copy_volume_extents.
class IoUringVolumeCopier final : public VolumeCopier {
 public:
  CopyReport copy(const CopyRequest& request) override { return copy_volume_extents(request); }
};

// Block ranges to byte extents, the last block clamped to the volume size.
std::vector<copier::Extent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                              uint64_t granularity, uint64_t volume_size);

}  // namespace schelk
