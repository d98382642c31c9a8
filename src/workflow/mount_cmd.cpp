// mount: checks (state, mount point, stale dm device, ramdisk size, superblock hashes, untracked
// writes), then a fresh dm-era over scratch with metadata on the ramdisk, checkpoint, discards
// off, state saved, filesystem mounted; the era device is removed again when a step fails.
#include <iostream>
#include <stdexcept>

#include "src/state/journal.hpp"
#include "src/volume/volume.hpp"
#include "src/workflow/guard_discard.hpp"
#include "src/workflow/ramdisk_check.hpp"
#include "src/workflow/repair.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

// Everything that can refuse before the era device is made; returns the scratch size.
uint64_t check_mount(Context& ctx, const State& st) {
  auto& volumes = ctx.volumes();
  if (st.is_mounted) {
    if (ctx.dm().exists(st.dm_era_name) || ctx.mounter().is_mounted(st.mount_point)) {
      throw std::runtime_error("Volume is already mounted.");
    }
    // schelk's words, then what they mean here and what to do.
    throw std::runtime_error(
        "Volume is already mounted. (The state says so, but the era device and the mount are "
        "gone: " +
        std::string(load_journal(ctx.options().state_path)
                        ? "an interrupted operation is pending; run 'schelk recover' or "
                          "'schelk promote', whichever was interrupted, to finish it.)"
                        : "likely a reboot. Run 'schelk repair', then 'schelk full-recover', or "
                          "'schelk restore --full-if-needed'.)"));
  }
  if (st.needs_full_recover) throw std::runtime_error(needs_full_recover_message(st));
  refuse_if_receive_pending(ctx);
  if (ctx.mounter().is_mounted(st.mount_point)) {
    throw std::runtime_error("Mountpoint " + st.mount_point +
                             " is already in use. State says not mounted, but filesystem is "
                             "mounted. This may indicate a crash. Manually unmount with: sudo "
                             "umount " +
                             st.mount_point);
  }
  if (ctx.dm().exists(st.dm_era_name)) {
    throw std::runtime_error("dm-era device '" + st.dm_era_name +
                             "' already exists. This may indicate a previous crash. Run 'schelk "
                             "recover' or manually remove with: sudo dmsetup remove " +
                             st.dm_era_name);
  }
  // The state file may name any device: the ramdisk is checked as at init before it is cleared.
  reject_volume_aliases(ctx.system(), st.virgin, st.scratch);
  const uint64_t size = volumes.size(st.scratch);
  check_ramdisk(ctx.system(),
                {st.ramdisk, st.virgin, st.scratch, st.allow_any_ramdisk,
                 "correct 'ramdisk' in " + ctx.options().state_path.string() +
                     " or re-run 'schelk init-from --no-copy' with a separate RAM disk such as "
                     "/dev/ram0 (" +
                     ramdisk_size_hint(size, st.granularity) + ")"});
  // With the state unmounted, a journal is left over from a copy that finished (the state is
  // saved after the copy, the journal removed after that).
  remove_journal(ctx.options().state_path);
  if (auto warning = validate_ramdisk_size(volumes.size(st.ramdisk), size, st.granularity)) {
    ctx.err() << *warning << "\n";
  }
  if (volumes.hash_superblock(st.virgin) != st.virgin_superblock_hash) {
    throw VolumeError("Virgin volume superblock has changed since initialization (" + st.virgin +
                      "). Was it mounted or written outside schelk? Re-run 'schelk init-from' "
                      "if the change is intended.");
  }
  if (volumes.hash_superblock(st.scratch) != st.virgin_superblock_hash) {
    throw VolumeError(
        "Scratch volume superblock does not match virgin. Run 'schelk full-recover' "
        "first.");
  }
  check_scratch_untouched(ctx, st);  // written, discarded or held open outside schelk
  return size;
}

void remove_era_device_after(Context& ctx, const State& st, const std::exception& e) {
  ctx.err() << "Error: " << e.what() << "\nRolling back: removing dm-era device '" << st.dm_era_name
            << "'" << std::endl;
  try {
    ctx.dm().remove(st.dm_era_name);
  } catch (const std::exception& e2) {
    ctx.err() << "Rollback failed: " << e2.what() << std::endl;
  }
}

// Clears the ramdisk's era superblock (constant time: discard where supported, block 0 zeroed, so
// the kernel formats fresh metadata), creates the era device, checkpoints and turns discards
// off; returns the era every later write counts from. On failure the device is removed again.
uint32_t create_era_device(Context& ctx, const State& st, uint64_t size) {
  auto& out = ctx.out();
  auto& dm = ctx.dm();
  out << "Zeroing metadata device " << st.ramdisk << "..." << std::endl;
  StepTimer timer(ctx.report(), "clear metadata");
  ctx.volumes().clear_era_superblock(st.ramdisk);
  timer.stop();
  out << "Creating dm-era device '" << st.dm_era_name << "' over " << st.scratch << "..."
      << std::endl;
  timer.next("create device");
  dm.create_era(st.dm_era_name, st.ramdisk, st.scratch, size / 512, st.granularity / 512);
  timer.stop();
  try {
    // The era the device starts in: every write after it counts (schelk stored a fixed 1).
    const uint32_t base_era = dm.status(st.dm_era_name).current_era;
    timer.next("checkpoint");
    dm.message(st.dm_era_name, "checkpoint");
    timer.stop();
    const auto info = dm.info(st.dm_era_name);
    if (!info) throw std::runtime_error("dm-era device '" + st.dm_era_name + "' vanished");
    // dm-era marks only the first block of a discard: refuse discards while tracking.
    timer.next("discards off");
    turn_discards_off(ctx, *info);
    timer.stop();
    return base_era;
  } catch (const std::exception& e) {
    remove_era_device_after(ctx, st, e);
    throw;
  }
}

// Saves the state as mounted, then mounts; a failed mount removes the device and saves the
// state unmounted again.
void save_and_mount(Context& ctx, State& st, const std::string& device, uint32_t base_era) {
  // Saved before the filesystem mount: a crash from here on leaves a state that 'recover'
  // handles (mounted, device present).
  st.is_mounted = true;
  st.scratch_clean_at.reset();  // dm-era tracks it from now on; recover makes it clean again
  st.phases.clear();            // a new run: its phases start now
  st.current_era = base_era;
  StepTimer timer(ctx.report(), "save state");
  ctx.save(st);
  timer.next("mount");
  try {
    ctx.mounter().mount(device, st.mount_point, st.fstype, st.mount_options.value_or(""));
    timer.stop();
  } catch (const std::exception& e) {
    remove_era_device_after(ctx, st, e);
    st.is_mounted = false;
    st.current_era.reset();
    ctx.save(st);
    throw;
  }
}

}  // namespace

void mount_locked(Context& ctx) {
  State st = ctx.load_initialized();
  apply_safe_repairs(ctx, st, false);
  StepTimer timer(ctx.report(), "check");
  const uint64_t size = check_mount(ctx, st);
  timer.stop();
  auto& out = ctx.out();
  warn_if_discard_option(out, st.mount_options);
  const uint32_t base_era = create_era_device(ctx, st, size);
  const std::string device = ctx.dm().device_path(st.dm_era_name);
  save_and_mount(ctx, st, device, base_era);
  out << "Successfully mounted at " << st.mount_point << "\n";
  if (st.mount_options) out << "Mount options: " << *st.mount_options << "\n";
  out << "All writes are now being tracked by dm-era.\n";
  out << "Discards are off on " << device << " while tracking (dm-era cannot track them).\n";
}

void cmd_mount(Context& ctx) {
  ctx.require_root();
  auto lock = ctx.lock();
  mount_locked(ctx);
}

}  // namespace schelk
