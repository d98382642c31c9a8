// promote: make the benchmark's changes the new baseline by copying the written blocks from
// scratch to virgin (destructive to virgin).
#include <iostream>
#include <stdexcept>

#include "src/workflow/capture.hpp"
#include "src/workflow/commands.hpp"
#include "src/workflow/untracked_writes.hpp"

namespace schelk {

void cmd_promote(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  auto& out = ctx.out();
  State st = ctx.load_initialized();
  if (!st.is_mounted) throw std::runtime_error("Volume is not mounted.");
  if (!ctx.dm().exists(st.dm_era_name) && !load_journal(ctx.options().state_path)) {
    throw std::runtime_error("dm-era device '" + st.dm_era_name +
                             "' does not exist. State says mounted but device is missing. This "
                             "may indicate a system crash. Run 'schelk mount' to remount, or "
                             "manually reset state.");
  }
  out << "WARNING: promote copies every block changed on scratch (" << st.scratch
      << ") onto virgin (" << st.virgin << ").\n"
      << "The old virgin data is lost and cannot be recovered.\n";
  ctx.confirm("Permanently overwrite virgin volume?");
  const Journal j = capture_written_set(ctx, st, Operation::kPromote, opts.kill);
  const uint64_t blocks = count_blocks(j.ranges);
  CopyReport report;
  if (blocks > 0) {
    out << "Promoting " << blocks << " blocks from " << st.scratch << " to " << st.virgin << "..."
        << std::endl;
    const uint64_t size = ctx.seams().device_size(st.virgin);
    report =
        ctx.seams().copy({st.scratch, st.virgin, ranges_to_extents(j.ranges, st.granularity, size),
                          opts.verify, true});
    check_verified(report, st.scratch, st.virgin);
  }
  st.is_mounted = false;
  st.current_era.reset();
  st.virgin_superblock_hash = ctx.seams().hash_superblock(st.virgin);
  record_scratch_untouched(ctx, st);
  ctx.save(st);
  remove_journal(ctx.options().state_path);
  if (blocks == 0) {
    out << "No blocks were modified. Nothing to promote.\n";
  } else {
    out << "Promotion complete. Virgin now holds the promoted data.\n";
    print_copy_report(out, "Blocks promoted", blocks, report);
  }
}

}  // namespace schelk
