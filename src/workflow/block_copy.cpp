// Adapter over the copier library (io_uring, O_DIRECT, exclusive opens) with the terminal
// progress line of src/ui.
#include "src/workflow/block_copy.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "copier/copy.hpp"
#include "copier/device.hpp"
#include "copier/extent.hpp"
#include "src/ui/progress.hpp"

namespace schelk {

std::vector<ByteExtent> ranges_to_extents(const std::vector<BlockRange>& ranges,
                                          uint64_t granularity, uint64_t volume_size) {
  std::vector<ByteExtent> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    const uint64_t begin = r.begin * granularity;
    if (begin >= volume_size) continue;
    const uint64_t end = std::min(r.end * granularity, volume_size);
    out.push_back({begin, end - begin});
  }
  return out;
}

CopyReport copy_volume_extents(const CopyRequest& req) {
  auto src = copier::open_device(req.src, copier::Access::kRead, true);
  auto dst = copier::open_device(req.dst, copier::Access::kWrite, true);
  if (copier::same_device(src, dst)) {
    throw std::runtime_error("Refusing to copy " + req.src + " onto itself (" + req.dst + ")");
  }
  std::vector<copier::Extent> extents;
  extents.reserve(req.extents.size());
  for (const auto& e : req.extents) extents.push_back(copier::Extent{e.offset, e.length});
  ui::ProgressLine line("  Copying", req.progress && ::isatty(2) == 1);
  copier::CopyOptions opts;
  opts.verify = req.verify;
  opts.on_progress = [&](const copier::Progress& p) { line.update(p.done_bytes, p.total_bytes); };
  const auto result = copier::copy_extents(src, dst, std::move(extents), opts);
  line.finish();
  CopyReport report;
  report.bytes = result.bytes;
  report.extents = result.extents;
  report.seconds = result.seconds;
  if (result.verify) report.verify_mismatches = result.verify->mismatches.size();
  return report;
}

}  // namespace schelk
