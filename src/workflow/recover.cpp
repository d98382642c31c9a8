// recover: put scratch back to virgin by copying only the blocks written since mount.
#include <iostream>

#include "src/workflow/capture.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

void recover_locked(Context& ctx, const RecoverOptions& opts) {
  State st = ctx.load_initialized();
  if (!st.is_mounted) {
    remove_journal(ctx.options().state_path);  // stale: the copy that wrote it finished
    ctx.out() << "Volume is not mounted. Nothing to recover.\n";
    ctx.report().outcome = "nothing_to_do";
    return;
  }
  const Journal j = capture_written_set(ctx, st, Operation::kRecover, opts.kill);
  copy_written_set(ctx, st, Operation::kRecover, j, opts.verify);
}

void cmd_recover(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  recover_locked(ctx, opts);
}

}  // namespace schelk
