// Adapter over the copier library (io_uring, O_DIRECT, exclusive opens) with the progress
// display of src/ui.
#include "src/workflow/block_copy.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "copier/copy.hpp"
#include "copier/device.hpp"
#include "src/ui/progress.hpp"
#include "src/volume/exclusive_open.hpp"

namespace schelk {

std::vector<copier::Extent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                              uint64_t granularity, uint64_t volume_size) {
  std::vector<copier::Extent> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    const uint64_t begin = r.begin * granularity;
    if (begin >= volume_size) continue;
    const uint64_t end = std::min(r.end * granularity, volume_size);
    out.push_back({begin, end - begin});
  }
  return out;
}

CopyReport copy_volume_extents(const CopyRequest& req, const std::function<bool()>& should_stop,
                               ui::ProgressMode progress) {
  auto src = open_device_naming_holders(req.src, copier::Access::kRead);
  auto dst = open_device_naming_holders(req.dst, copier::Access::kWrite);
  ui::PhasedProgress display(
      ui::stderr_progress(req.progress ? progress : ui::ProgressMode::kNever));
  copier::CopyOptions opts;
  opts.verify = req.verify;
  opts.should_stop = should_stop;
  opts.on_progress = [&](const copier::Progress& p) {
    display.update(p.phase == copier::Progress::Phase::kCopy ? "  Copying" : "  Verifying",
                   p.done_bytes, p.total_bytes);
  };
  // copy_extents refuses src == dst before any I/O.
  const auto result = copier::copy_extents(src, dst, req.extents, opts);
  display.finish();
  CopyReport report;
  report.bytes = result.bytes;
  report.extents = result.extents;
  report.seconds = result.copy_seconds;
  if (result.verify) {
    report.verify_mismatches = result.verify->mismatches.size();
    report.verify_bytes = result.verify->bytes_compared;
    report.verify_seconds = result.verify->seconds;
  }
  return report;
}

}  // namespace schelk
