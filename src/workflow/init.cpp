// init-new (mkfs.ext4 on virgin, full copy to scratch) and init-from (existing filesystem,
// optional copy): the checks of schelk in its order, then the state file.
#include <iostream>
#include <stdexcept>

#include "src/dm/era_status.hpp"
#include "src/state/journal.hpp"
#include "src/volume/tools.hpp"
#include "src/volume/volume.hpp"
#include "src/workflow/workflow.hpp"
#include "src/workflow/guard_discard.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/volume_pair.hpp"

namespace schelk {
namespace {

enum class InitKind { kNew, kFrom };

void print_initialized_warning(std::ostream& out, const InitOptions& o) {
  out << "\nWARNING: schelk now expects to control both volumes (" << o.virgin << " and "
      << o.scratch << ").\n"
      << "Do NOT mount these volumes outside of schelk; use 'schelk mount' and 'schelk recover'.\n";
}

void run_init(Context& ctx, const InitOptions& o, InitKind kind) {
  ctx.require_root();
  auto lock = ctx.lock();
  auto& s = ctx.seams();
  validate_granularity(o.granularity);
  reject_same_device(o.virgin, o.scratch);
  validate_dm_name(o.dm_era_name);
  if (kind == InitKind::kNew && s.require_tools) {
    require_tool("mkfs.ext4", "e2fsprogs (e.g., apt install e2fsprogs)");
  }
  if (auto existing = load_state(ctx.options().state_path)) {
    if (existing->is_mounted) {
      throw std::runtime_error("schelk state says " + existing->mount_point +
                               " is mounted. Run 'schelk recover' (or 'schelk full-recover') "
                               "before reinitializing.");
    }
    ctx.confirm("schelk is already initialized:\n  Path: " + ctx.options().state_path.string() +
                "\n  Virgin: " + existing->virgin + "\n  Scratch: " + existing->scratch +
                "\nReinitialize?");
  }
  const uint64_t size =
      require_block_device_pair(s, o.virgin, o.scratch, [&o](uint64_t vsize, uint64_t ssize) {
        return "Virgin and scratch volumes must be the same size (virgin " + o.virgin + ": " +
               std::to_string(vsize) + " bytes, scratch " + o.scratch + ": " +
               std::to_string(ssize) + " bytes).";
      });
  validate_ramdisk_size(o.ramdisk, size, o.granularity);

  std::string fstype = "ext4";
  if (kind == InitKind::kFrom) {
    if (o.fstype) {
      fstype = *o.fstype;
    } else {
      auto detected = s.detect_fstype(o.virgin);
      if (!detected) {
        throw std::runtime_error("Cannot detect the filesystem type of " + o.virgin +
                                 "; give it with --fstype.");
      }
      fstype = *detected;
      ctx.out() << "Detected filesystem type: " << fstype << "\n";
    }
  }

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

  if (kind == InitKind::kNew) {
    out << "Creating ext4 filesystem on " << o.virgin << "..." << std::endl;
    s.make_ext4(o.virgin);
  }
  if (kind == InitKind::kNew || !o.no_copy) {
    out << "Copying " << o.virgin << " to " << o.scratch << " (" << format_bytes(size) << ")..."
        << std::endl;
    const auto report = s.copy({o.virgin, o.scratch, {{0, size}}, o.verify, true});
    out << "  " << format_bytes(report.bytes) << " copied in " << format_duration(report.seconds)
        << "\n";
    if (report.verify_mismatches && *report.verify_mismatches != 0) {
      throw std::runtime_error("Verification after copy found mismatches between " + o.virgin +
                               " and " + o.scratch);
    }
  }
  State st;
  st.virgin = o.virgin;
  st.scratch = o.scratch;
  st.ramdisk = o.ramdisk;
  st.mount_point = o.mount_point;
  st.fstype = fstype;
  st.mount_options = o.mount_options;
  st.granularity = o.granularity;
  st.virgin_superblock_hash = s.hash_superblock(o.virgin);
  st.dm_era_name = o.dm_era_name;
  record_scratch_untouched(ctx, st);
  ctx.save(st);
  remove_journal(ctx.options().state_path);  // a journal from the old setup means nothing now
  out << "Initialized. State saved to " << ctx.options().state_path.string() << "\n";
  print_initialized_warning(out, o);
  warn_if_discard_option(out, o.mount_options);
}

}  // namespace

void cmd_init_new(Context& ctx, const InitOptions& opts) { run_init(ctx, opts, InitKind::kNew); }
void cmd_init_from(Context& ctx, const InitOptions& opts) { run_init(ctx, opts, InitKind::kFrom); }

}  // namespace schelk
