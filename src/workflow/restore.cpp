// restore: recover followed by mount, under one lock; never mounts after a failed recovery.
#include <iostream>
#include <stdexcept>

#include "base/cancel.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

void cmd_restore(Context& ctx, const RecoverOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  ctx.out() << "Restoring scratch volume from virgin, then remounting it.\n";
  try {
    recover_locked(ctx, opts);
  } catch (const base::Interrupted&) {
    throw;  // its message says how to finish
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("Restore failed during recovery: ") + e.what());
  }
  ctx.out() << "Recovery succeeded. Mounting restored scratch volume...\n";
  try {
    mount_locked(ctx);
    ctx.report().outcome = "ok";  // a recover with nothing to do is still followed by a mount
  } catch (const std::exception& e) {
    throw std::runtime_error(
        std::string("Restore recovered the scratch volume but failed to mount it: ") + e.what());
  }
}

}  // namespace schelk
