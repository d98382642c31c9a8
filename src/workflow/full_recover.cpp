// full-recover: copy all of virgin onto scratch; clears a stale "mounted" state left by a
// reboot (only when the dm device and the mount are really gone).
#include <iostream>
#include <stdexcept>

#include "base/format.hpp"
#include "src/state/journal.hpp"
#include "src/state/state_validate.hpp"
#include "src/workflow/full_if_needed.hpp"
#include "src/workflow/repair.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/volume_pair.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

void full_recover_locked(Context& ctx, bool verify, bool force) {
  auto& out = ctx.out();
  auto& volumes = ctx.volumes();
  State st = ctx.load_initialized();
  apply_safe_repairs(ctx, st, false);  // on the state as saved: it decides what is stale
  if (st.is_mounted) {
    if (ctx.dm().exists(st.dm_era_name) || ctx.mounter().is_mounted(st.mount_point)) {
      throw std::runtime_error("Volume is already mounted.");
    }
    out << "State says mounted, but dm-era device and filesystem are gone (likely a reboot or "
           "power loss). Clearing stale mounted state and proceeding with full recovery.\n";
    // Saved only after the copy, so a crash mid-copy re-triggers this.
    st.is_mounted = false;
    st.current_era.reset();
  }
  refuse_if_receive_pending(ctx);
  if (auto j = load_journal(ctx.options().state_path); j && j->operation == "promote") {
    throw std::runtime_error(
        "An interrupted promote left virgin partly overwritten; run "
        "'schelk promote' to finish it before a full recovery.");
  }
  StepTimer timer(ctx.report(), "check");
  const uint64_t size = require_block_device_pair(
      volumes, st.virgin, st.scratch, [&st](uint64_t vsize, uint64_t ssize) {
        return volume_size_mismatch(st.virgin, vsize, st.scratch, ssize);
      });
  // The state is saved after the copy: refuse now if it could not be (bad-input D14).
  require_state_dir_writable(ctx.options().state_path);
  timer.stop();
  if (!force && scratch_known_clean(ctx, st)) {
    out << "Scratch is already equal to virgin (clean since the last restore, untouched since): "
           "nothing to copy. Use --force to copy anyway.\n";
    ctx.report().outcome = "nothing_to_do";
    ctx.report().fields["reason"] = "clean";
    return;
  }
  out << "WARNING: This will overwrite the whole scratch volume " << st.scratch << " with virgin "
      << st.virgin << " (" << base::format_bytes(size) << ").\n";
  ctx.confirm("Proceed with full recovery?");
  out << "Copying " << st.virgin << " to " << st.scratch << "..." << std::endl;
  ctx.report().path = "full";
  timer.next(verify ? "copy and verify" : "copy");
  const auto report = ctx.copier().copy({st.virgin, st.scratch, {{0, size}}, verify, true});
  timer.stop();
  ctx.report().add_copy(report.bytes, (size + st.granularity - 1) / st.granularity, st.granularity);
  record_copy_phases(ctx.report(), report);
  check_verified(report, st.virgin, st.scratch);
  timer.next("hash superblock");
  st.virgin_superblock_hash = volumes.hash_superblock(st.virgin);
  mark_scratch_clean(st);
  timer.next("stamp scratch");
  record_scratch_untouched(ctx, st);
  timer.next("save state");
  ctx.save(st);
  timer.next("remove written set");
  remove_journal(ctx.options().state_path);
  timer.stop();
  out << "Full recovery complete: " << base::format_bytes(report.bytes) << " copied in "
      << base::format_duration(report.seconds) << " ("
      << base::format_rate(report.bytes, report.seconds) << ")";
  if (report.verify_mismatches) {
    out << "; " << base::format_bytes(report.verify_bytes) << " verified in "
        << base::format_duration(report.verify_seconds) << " ("
        << base::format_rate(report.verify_bytes, report.verify_seconds) << ")";
  }
  out << ".\n";
}

}  // namespace schelk

namespace schelk {

void cmd_full_recover(Context& ctx, bool verify, bool force) {
  ctx.require_root();
  auto lock = ctx.lock();
  full_recover_locked(ctx, verify, force);
}

}  // namespace schelk
