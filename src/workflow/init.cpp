// init-new (mkfs.ext4 on virgin, full copy to scratch) and init-from (existing filesystem,
// optional copy): the checks of schelk in its order, the confirmation, the copy, then the state
// file.
#include <iostream>
#include <stdexcept>

#include "base/format.hpp"
#include "src/dm/era_status.hpp"
#include "src/state/journal.hpp"
#include "src/state/receive_log.hpp"
#include "src/state/state_validate.hpp"
#include "src/volume/volume.hpp"
#include "src/workflow/guard_discard.hpp"
#include "src/workflow/init_steps.hpp"
#include "src/workflow/init_values.hpp"
#include "src/workflow/ramdisk_check.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/volume_pair.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

void refuse_mounted_or_confirm_reinit(Context& ctx) {
  const auto existing = load_state(ctx.options().state_path);
  if (!existing) return;
  if (existing->is_mounted) {
    throw std::runtime_error("schelk state says " + existing->mount_point +
                             " is mounted. Run 'schelk recover' (or 'schelk full-recover') "
                             "before reinitializing.");
  }
  ctx.confirm("schelk is already initialized:\n  Path: " + ctx.options().state_path.string() +
              "\n  Virgin: " + existing->virgin + "\n  Scratch: " + existing->scratch +
              "\nReinitialize?");
}

std::string filesystem_type(Context& ctx, const InitOptions& o, InitKind kind) {
  if (kind == InitKind::kNew) return "ext4";
  if (o.fstype) return *o.fstype;
  auto detected = ctx.volumes().detect_fstype(o.virgin);
  if (!detected) {
    throw std::runtime_error("Cannot detect the filesystem type of " + o.virgin +
                             "; give it with --fstype.");
  }
  ctx.out() << "Detected filesystem type: " << *detected << "\n";
  return *detected;
}

}  // namespace

CheckedInit check_init(Context& ctx, const InitOptions& o, InitKind kind) {
  auto& volumes = ctx.volumes();
  // The plain values first: they need no device, and a typo in one is reported before any
  // device problem and before the reinitialize prompt (bad-input D13).
  validate_granularity(o.granularity);
  validate_mount_point(o.mount_point);
  if (o.fstype) validate_fstype(*o.fstype);
  volumes.reject_same_device(o.virgin, o.scratch);
  validate_dm_name(o.dm_era_name);
  if (kind == InitKind::kNew) volumes.require_mkfs_ext4();
  refuse_mounted_or_confirm_reinit(ctx);
  // After the "mounted" refusal: a mounted setup's ramdisk is held by its era device.
  reject_volume_aliases(ctx.system(), o.virgin, o.scratch);
  CheckedInit checked;
  checked.size =
      require_block_device_pair(volumes, o.virgin, o.scratch, [&o](uint64_t vsize, uint64_t ssize) {
        return "Virgin and scratch volumes must be the same size (virgin " + o.virgin + ": " +
               std::to_string(vsize) + " bytes, scratch " + o.scratch + ": " +
               std::to_string(ssize) + " bytes).";
      });
  validate_granularity_for_size(o.granularity, checked.size);
  // After the volume size is known, so that the fix names the size the ramdisk needs.
  check_ramdisk(ctx.system(),
                {o.ramdisk, o.virgin, o.scratch, o.allow_any_ramdisk,
                 "give a separate RAM disk such as /dev/ram0 (" +
                     ramdisk_size_hint(checked.size, o.granularity) + ") with --ramdisk"});
  if (auto warning = validate_ramdisk_size(volumes.size(o.ramdisk), checked.size, o.granularity)) {
    ctx.err() << *warning << "\n";
  }
  checked.fstype = filesystem_type(ctx, o, kind);
  validate_fstype(checked.fstype);
  // Before anything destructive: the state must be savable afterwards (bad-input D14).
  require_state_dir_writable(ctx.options().state_path);
  return checked;
}

namespace {

void confirm_destruction(Context& ctx, const InitOptions& o, InitKind kind) {
  auto& out = ctx.out();
  if (kind == InitKind::kNew) {
    out << "WARNING: This will DESTROY all data on both volumes:\n"
        << "  Virgin:  " << o.virgin << " (a new ext4 filesystem is created)\n"
        << "  Scratch: " << o.scratch << " (overwritten with a copy of virgin)\n";
    ctx.confirm("Proceed with initialization?");
  } else if (o.no_copy) {
    out << "You assert that both volumes are already identical:\n"
        << "  Virgin:  " << o.virgin << "\n  Scratch: " << o.scratch << "\n"
        << "WARNING: nothing is copied; if they differ, benchmark results will be wrong. "
           "'schelk mount' compares their superblocks.\n";
    ctx.confirm("Proceed?");
  } else {
    out << "WARNING: This will DESTROY all data on the scratch volume " << o.scratch
        << " (overwritten with a copy of virgin " << o.virgin << ").\n";
    ctx.confirm("Proceed?");
  }
}

// mkfs.ext4 on virgin (init-new), then virgin copied whole onto scratch unless --no-copy.
void make_volumes(Context& ctx, const InitOptions& o, InitKind kind, uint64_t size) {
  auto& out = ctx.out();
  if (kind == InitKind::kNew) {
    out << "Creating ext4 filesystem on " << o.virgin << "..." << std::endl;
    StepTimer timer(ctx.report(), "mkfs");
    ctx.volumes().make_ext4(o.virgin);
  }
  if (kind == InitKind::kFrom && o.no_copy) return;
  ctx.report().path = "full";
  out << "Copying " << o.virgin << " to " << o.scratch << " (" << base::format_bytes(size) << ")..."
      << std::endl;
  StepTimer timer(ctx.report(), o.verify ? "copy and verify" : "copy");
  const auto report = ctx.copier().copy({o.virgin, o.scratch, {{0, size}}, o.verify, true});
  timer.stop();
  ctx.report().add_copy(report.bytes, (size + o.granularity - 1) / o.granularity, o.granularity);
  record_copy_phases(ctx.report(), report);
  // "64.00 MiB copied in 1.20s (53.3 MiB/s)", and the verification's own line.
  out << "  " << base::format_bytes(report.bytes) << " copied in "
      << base::format_duration(report.seconds) << " ("
      << base::format_rate(report.bytes, report.seconds) << ")\n";
  if (report.verify_mismatches) {
    out << "  " << base::format_bytes(report.verify_bytes) << " verified in "
        << base::format_duration(report.verify_seconds) << " ("
        << base::format_rate(report.verify_bytes, report.verify_seconds) << ")\n";
  }
  if (report.verify_mismatches && *report.verify_mismatches != 0) {
    throw std::runtime_error("Verification after copy found mismatches between " + o.virgin +
                             " and " + o.scratch);
  }
}

}  // namespace

void save_initialized_state(Context& ctx, const InitOptions& o, const std::string& fstype,
                            const NewBaseline& baseline) {
  State st;
  st.virgin = o.virgin;
  st.scratch = o.scratch;
  st.ramdisk = o.ramdisk;
  st.mount_point = o.mount_point;
  st.fstype = fstype;
  st.mount_options = o.mount_options;
  st.granularity = o.granularity;
  st.virgin_superblock_hash = ctx.volumes().hash_superblock(o.virgin);
  st.dm_era_name = o.dm_era_name;
  st.allow_any_ramdisk = o.allow_any_ramdisk;
  st.baseline_id = baseline.id;
  st.generation = baseline.generation;
  mark_scratch_clean(st);
  StepTimer timer(ctx.report(), "stamp scratch");
  record_scratch_untouched(ctx, st);
  timer.next("save state");
  ctx.save(st);
  timer.next("remove written set");
  remove_journal(ctx.options().state_path);  // a journal from the old setup means nothing now
  remove_receive_log(ctx.options().state_path);
  timer.stop();
}

void print_initialized(std::ostream& out, const InitOptions& o, const std::string& state_path) {
  out << "Initialized. State saved to " << state_path << "\n";
  out << "\nWARNING: schelk now expects to control both volumes (" << o.virgin << " and "
      << o.scratch << ").\n"
      << "Do NOT mount these volumes outside of schelk; use 'schelk mount' and 'schelk recover'.\n"
      << "The RAM disk " << o.ramdisk << " is overwritten at every 'schelk mount'.\n";
  warn_if_discard_option(out, o.mount_options);
}

namespace {

void run_init(Context& ctx, const InitOptions& o, InitKind kind) {
  ctx.require_root();
  auto lock = ctx.lock();
  StepTimer timer(ctx.report(), "check");
  const CheckedInit checked = check_init(ctx, o, kind);
  timer.stop();
  confirm_destruction(ctx, o, kind);
  make_volumes(ctx, o, kind, checked.size);
  save_initialized_state(ctx, o, checked.fstype, {make_baseline_id(), 0});  // a new baseline
  print_initialized(ctx.out(), o, ctx.options().state_path.string());
}

}  // namespace

void cmd_init_new(Context& ctx, const InitOptions& opts) { run_init(ctx, opts, InitKind::kNew); }
void cmd_init_from(Context& ctx, const InitOptions& opts) { run_init(ctx, opts, InitKind::kFrom); }

}  // namespace schelk
