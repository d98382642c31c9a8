// Adapter over the copier library (io_uring, O_DIRECT, exclusive opens) with the terminal
// progress line of src/ui.
#include "src/workflow/block_copy.hpp"

#include <unistd.h>

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

CopyReport copy_volume_extents(const CopyRequest& req, const std::function<bool()>& should_stop) {
  auto src = open_device_naming_holders(req.src, copier::Access::kRead);
  auto dst = open_device_naming_holders(req.dst, copier::Access::kWrite);
  ui::ProgressLine line("  Copying", req.progress && ::isatty(2) == 1);
  copier::CopyOptions opts;
  opts.verify = req.verify;
  opts.should_stop = should_stop;
  opts.on_progress = [&](const copier::Progress& p) { line.update(p.done_bytes, p.total_bytes); };
  // copy_extents refuses src == dst before any I/O.
  const auto result = copier::copy_extents(src, dst, req.extents, opts);
  line.finish();
  CopyReport report;
  report.bytes = result.bytes;
  report.extents = result.extents;
  report.seconds = result.seconds;
  if (result.verify) report.verify_mismatches = result.verify->mismatches.size();
  return report;
}

}  // namespace schelk
