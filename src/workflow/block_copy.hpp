// Copies byte extents from one volume to another through the copier library (io_uring,
// O_DIRECT, exclusive opens, the same-device refusal), showing progress on stderr as
// --progress says (src/ui/progress.hpp), optionally verifying; behind the VolumeCopier interface so
// the command flows run against a fake copier.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "copier/extent.hpp"
#include "src/state/journal.hpp"
#include "src/ui/progress.hpp"

namespace schelk {

struct CopyRequest {
  std::string src;
  std::string dst;
  std::vector<copier::Extent> extents;
  bool verify = false;
  bool progress = true;  // false: no display whatever the mode (a test's partial copy)
};

// Each phase separately: the copy (with its sync) and, when verified, the verification.
struct CopyReport {
  uint64_t bytes = 0;
  uint64_t extents = 0;
  double seconds = 0;                         // the copy and its sync, not the verification
  std::optional<uint64_t> verify_mismatches;  // set when verified
  uint64_t verify_bytes = 0;                  // compared, when verified
  double verify_seconds = 0;                  // the verification, when verified
};

// Throws copier::CopyError (also for src and dst being the same device, before any I/O); when
// should_stop (asked before each new extent) says so, copier::CopyCancelled once the in-flight
// I/O is written and synced.
CopyReport copy_volume_extents(const CopyRequest& request,
                               const std::function<bool()>& should_stop = {},
                               ui::ProgressMode progress = ui::ProgressMode::kAuto);

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

// copy_volume_extents, with progress as `progress` (--progress) says.
class IoUringVolumeCopier final : public VolumeCopier {
 public:
  explicit IoUringVolumeCopier(ui::ProgressMode progress) : progress_(progress) {}
  CopyReport copy(const CopyRequest& request) override {
    return copy_volume_extents(request, {}, progress_);
  }
  CopyReport copy_stoppable(const CopyRequest& request,
                            const std::function<bool()>& should_stop) override {
    return copy_volume_extents(request, should_stop, progress_);
  }

 private:
  ui::ProgressMode progress_;
};

// Block ranges to byte extents, the last block clamped to the volume size.
std::vector<copier::Extent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                              uint64_t granularity, uint64_t volume_size);

}  // namespace schelk
