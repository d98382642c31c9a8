// promote: make the benchmark's changes the new baseline by copying the written blocks from
// scratch to virgin (destructive to virgin).
#include <iostream>
#include <stdexcept>

#include "src/workflow/capture.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

void cmd_promote(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  auto& out = ctx.out();
  const auto& state_path = ctx.options().state_path;
  State st = ctx.load_initialized();
  if (!st.is_mounted) {
    if (auto j = load_journal(state_path);
        j && j->operation == operation_name(Operation::kPromote)) {
      // Killed between the state save and the journal's removal: the copy finished, so only
      // the journal is left (status says "run 'schelk promote'", full-recover refuses over it).
      remove_journal(state_path);
      out << "The interrupted promote had finished; removed its saved written set. Nothing to "
             "promote.\n";
      ctx.report().outcome = "nothing_to_do";
      return;
    }
    throw std::runtime_error("Volume is not mounted.");
  }
  if (!ctx.dm().exists(st.dm_era_name) && !load_journal(state_path)) {
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
  copy_written_set(ctx, st, Operation::kPromote, j, opts.verify);
}

}  // namespace schelk
