// Copies byte extents from one volume to another through the copier library (io_uring,
// O_DIRECT, exclusive opens, the same-device refusal), showing progress on a terminal,
// optionally verifying; behind the VolumeCopier interface so the command flows run against a
// fake copier.
#pragma once

#include <cstdint>
#include <functional>
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

// Throws copier::CopyError (also for src and dst being the same device, before any I/O); when
// should_stop (asked before each new extent) says so, copier::CopyCancelled once the in-flight
// I/O is written and synced.
CopyReport copy_volume_extents(const CopyRequest& request,
                               const std::function<bool()>& should_stop = {});

class VolumeCopier {
 public:
  virtual ~VolumeCopier() = default;
  virtual CopyReport copy(const CopyRequest& request) = 0;
  // A copy that may stop early: before each new extent it asks should_stop, and when that says
  // so it throws copier::CopyCancelled, what was copied staying copied. This default cannot stop.
  virtual CopyReport copy_stoppable(const CopyRequest& request,
                                    const std::function<bool()>& should_stop) {
    (void)should_stop;
    return copy(request);
  }
};

// copy_volume_extents.
class IoUringVolumeCopier final : public VolumeCopier {
 public:
  CopyReport copy(const CopyRequest& request) override { return copy_volume_extents(request); }
  CopyReport copy_stoppable(const CopyRequest& request,
                            const std::function<bool()>& should_stop) override {
    return copy_volume_extents(request, should_stop);
  }
};

// Block ranges to byte extents, the last block clamped to the volume size.
std::vector<copier::Extent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                              uint64_t granularity, uint64_t volume_size);

}  // namespace schelk
