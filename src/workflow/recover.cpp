// recover: put scratch back to virgin by copying only the blocks written since mount.
#include <iostream>
#include <stdexcept>

#include "src/workflow/capture.hpp"
#include "src/workflow/workflow.hpp"
#include "src/workflow/test_hook.hpp"
#include "src/workflow/untracked_writes.hpp"

namespace schelk {

void recover_locked(Context& ctx, const RecoverOptions& opts) {
  auto& out = ctx.out();
  State st = ctx.load_initialized();
  if (!st.is_mounted) {
    remove_journal(ctx.options().state_path);  // stale: the copy that wrote it finished
    out << "Volume is not mounted. Nothing to recover.\n";
    return;
  }
  const Journal j = capture_written_set(ctx, st, Operation::kRecover, opts.kill);
  const uint64_t blocks = count_blocks(j.ranges);
  CopyReport report;
  if (blocks > 0) {
    out << "Restoring " << blocks << " blocks from " << st.virgin << " to " << st.scratch << "..."
        << std::endl;
    const uint64_t size = ctx.seams().device_size(st.scratch);
    auto extents = ranges_to_extents(j.ranges, st.granularity, size);
    if (test_stop_requested("mid-copy") && extents.size() > 1) {
      // Copy half, stop, so a crash test sees scratch partly restored.
      std::vector<ByteExtent> first(extents.begin(), extents.begin() + extents.size() / 2);
      ctx.seams().copy({st.virgin, st.scratch, first, false, false});
      test_stop_point("mid-copy");
    }
    report = ctx.seams().copy({st.virgin, st.scratch, std::move(extents), opts.verify, true});
    check_verified(report, st.virgin, st.scratch);
  }
  test_stop_point("after-copy");
  st.is_mounted = false;
  st.current_era.reset();
  // Stamp before the state says "not mounted": a kill between the two must not leave a saved
  // state whose stamp predates our own copy (the next mount would refuse).
  record_scratch_untouched(ctx, st);
  ctx.save(st);
  test_stop_point("after-save");
  remove_journal(ctx.options().state_path);
  if (blocks == 0) {
    out << "No blocks were modified. Nothing to recover.\n";
  } else {
    out << "Recovery complete.\n";
    print_copy_report(out, "Blocks restored", blocks, report);
  }
}

void cmd_recover(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  recover_locked(ctx, opts);
}

}  // namespace schelk
