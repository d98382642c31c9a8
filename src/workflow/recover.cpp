// recover: put scratch back to virgin by copying only the blocks written since mount; with
// --full-if-needed, a full copy instead when the incremental one is not provably right.
#include <iostream>
#include <stdexcept>

#include "src/workflow/capture.hpp"
#include "src/workflow/full_if_needed.hpp"
#include "src/workflow/repair.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

void recover_incremental(Context& ctx, State& st, const RecoverOptions& opts) {
  if (!st.is_mounted) {
    if (st.needs_full_recover) throw std::runtime_error(needs_full_recover_message(st));
    remove_journal(ctx.options().state_path);  // stale: the copy that wrote it finished
    ctx.out() << "Volume is not mounted. Nothing to recover.\n";
    ctx.report().outcome = "nothing_to_do";
    return;
  }
  const Journal j = capture_written_set(ctx, st, Operation::kRecover, opts.kill);
  // Unmounted now and not yet copied back: the only moment the run's files can be read whole.
  if (opts.map_files) map_run_files(ctx, st, j);
  copy_written_set(ctx, st, Operation::kRecover, j, opts.verify);
}

}  // namespace

void recover_locked(Context& ctx, const RecoverOptions& opts) {
  State st = ctx.load_initialized();
  apply_safe_repairs(ctx, st, opts.kill);
  if (!opts.full_if_needed) {
    recover_incremental(ctx, st, opts);
    return;
  }
  const BaselineDecision d = decide_baseline(ctx, st);
  ctx.out() << d.line << std::endl;
  ctx.report().fields["reason"] = d.reason;
  switch (d.path) {
    case BaselinePath::kIncremental:
      recover_incremental(ctx, st, opts);
      break;
    case BaselinePath::kFull:
      full_recover_locked(ctx, opts.verify, true);
      break;
    case BaselinePath::kNone:
      remove_journal(ctx.options().state_path);  // stale: the copy that wrote it finished
      ctx.report().outcome = "nothing_to_do";
      break;
  }
}

void cmd_recover(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  recover_locked(ctx, opts);
}

}  // namespace schelk
