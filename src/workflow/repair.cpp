// repair: observe, plan (safe actions and problems), then apply; see repair.hpp for the cases.
#include "src/workflow/repair.hpp"

#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <stdexcept>

#include "base/posix_io.hpp"
#include "src/state/journal.hpp"
#include "src/state/receive_log.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

std::string dev_text(DevNumber d) {
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

std::optional<DevNumber> dev_number_of(Context& ctx, const std::string& path) {
  const auto dev = ctx.system().block_device_number(path);
  if (!dev) return std::nullopt;
  return DevNumber{::major(*dev), ::minor(*dev)};
}

// What the system shows next to the state.
struct Observation {
  std::optional<DmInfo> info;  // the device named like the state's era device
  std::vector<DmTarget> table;
  bool ours = false;  // its table is era over our scratch and ramdisk
  std::string not_ours_why;
  std::optional<EraStatus> status;   // ours only
  std::vector<std::string> mounts;   // mount points of that device
  bool mount_point_mounted = false;  // the state's mount point, by anything
  std::optional<Journal> journal;
  std::string journal_error;
  bool journal_file = false;
  std::string stamp_error;
};

void observe_ownership(Context& ctx, const State& st, Observation& o) {
  o.table = ctx.dm().table(st.dm_era_name);
  const auto era = parse_era_table(o.table);
  const auto scratch = dev_number_of(ctx, st.scratch);
  const auto ramdisk = dev_number_of(ctx, st.ramdisk);
  if (!scratch || !ramdisk) {
    o.not_ours_why = "cannot identify " + (scratch ? st.ramdisk : st.scratch) +
                     " as a block device to compare with its table";
    return;
  }
  const std::string expected = "era over " + st.scratch + " (" + dev_text(*scratch) +
                               ") with metadata on " + st.ramdisk + " (" + dev_text(*ramdisk) +
                               "), " + std::to_string(st.granularity / 512) + "-sector blocks";
  o.ours = era && era->origin == *scratch && era->metadata == *ramdisk &&
           era->block_sectors == st.granularity / 512;
  if (!o.ours) o.not_ours_why = "its table is '" + describe_table(o.table) + "', not " + expected;
}

Observation observe(Context& ctx, const State& st) {
  Observation o;
  o.info = ctx.dm().info(st.dm_era_name);
  if (o.info) {
    observe_ownership(ctx, st, o);
    if (o.ours) o.status = ctx.dm().status(st.dm_era_name);
    o.mounts = ctx.mounter().mount_points_of(o.info->major, o.info->minor);
  }
  o.mount_point_mounted = ctx.mounter().is_mounted(st.mount_point);
  const auto& state_path = ctx.options().state_path;
  std::error_code ec;
  o.journal_file = std::filesystem::exists(journal_path_for(state_path), ec);
  try {
    o.journal = load_journal(state_path);
  } catch (const std::exception& e) {
    o.journal_error = e.what();
  }
  try {
    if (const auto text = base::read_text_file(scratch_stamp_path_for(state_path))) {
      stamp_from_json(*text);
    }
  } catch (const StateError& e) {
    o.stamp_error = e.what();
  }
  return o;
}

struct Action {
  ReportRepair what;
  std::function<void(Context&, State&)> apply;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<RepairProblem> problems;
  std::optional<std::string> pending;  // an interrupted operation: "recover" or "promote"
};

void plan_unknown_mounts(const State& st, const Observation& o, bool kill, Plan& plan) {
  const std::string ours = canonical_mount_point(st.mount_point);
  for (const auto& mp : o.mounts) {
    if (st.is_mounted && mp == ours) continue;  // the mount the state records
    std::string detail = "unmounted " + mp + ", a mount of schelk's era device '" + st.dm_era_name +
                         "' the state did not record";
    if (!st.is_mounted) detail += "; scratch was written through it, so it needs a full recovery";
    plan.actions.push_back({{"unmount_unknown_mount", detail}, [mp, kill](Context& ctx, State& s) {
                              ctx.mounter().unmount(mp, kill);
                              if (!s.is_mounted) {
                                s.scratch_clean_at.reset();
                                s.needs_full_recover = kNeedsFullUnknownMount;
                              }
                            }});
  }
}

// Openers beyond the mounts: a filesystem holds its device open once however often mounted.
int32_t other_openers(const Observation& o) {
  return o.info->open_count - (o.mounts.empty() ? 0 : 1);
}

void plan_our_device(const State& st, const Observation& o, bool kill, bool remount, Plan& plan) {
  plan_unknown_mounts(st, o, kill, plan);
  if (o.status && o.status->snapshot_block) {
    plan.actions.push_back(
        {{"drop_leftover_snapshot",
          "dropped the metadata snapshot an interrupted run left on era device '" + st.dm_era_name +
              "'"},
         [](Context& ctx, State& s) { ctx.dm().message(s.dm_era_name, "drop_metadata_snap"); }});
  }
  if (st.is_mounted) {
    if (remount && !o.mount_point_mounted && !o.journal) {
      plan.actions.push_back(
          {{"remount", "mounted era device '" + st.dm_era_name + "' at " + st.mount_point +
                           " again: the state records it mounted and dm-era is still tracking"},
           [](Context& ctx, State& s) {
             ctx.mounter().mount(ctx.dm().device_path(s.dm_era_name), s.mount_point, s.fstype,
                                 s.mount_options.value_or(""));
           }});
    }
    return;
  }
  if (other_openers(o) > 0) {
    plan.problems.push_back(
        {"era_device_held_open",
         "dm-era device '" + st.dm_era_name +
             "' is not recorded as mounted, but something holds "
             "it open (open count " +
             std::to_string(o.info->open_count) +
             ": a process, a stacked device or a mount in another namespace), so schelk will not "
             "remove it. Find the holder with 'fuser -vm " +
             "/dev/mapper/" + st.dm_era_name + "' and 'ls /sys/block/dm-" +
             std::to_string(o.info->minor) + "/holders', stop it, then run 'schelk repair'."});
    return;
  }
  plan.actions.push_back(
      {{"remove_orphaned_era_device", "removed era device '" + st.dm_era_name + "' (era over " +
                                          st.scratch + ", metadata on " + st.ramdisk +
                                          "): the state records no mount and nothing held it"},
       [](Context& ctx, State& s) { ctx.dm().remove(s.dm_era_name); }});
}

void plan_device(const State& st, const Observation& o, bool kill, bool remount, Plan& plan) {
  if (o.info && !o.ours) {
    plan.problems.push_back(
        {"foreign_era_device",
         "dm-era device '" + st.dm_era_name + "' already exists but is not schelk's (" +
             o.not_ours_why +
             "), so schelk will not touch it: if it is stale, remove it with 'dmsetup remove " +
             st.dm_era_name +
             "'; if it is in use, re-run 'schelk init-from --no-copy' with "
             "another --dm-era-name."});
    return;
  }
  if (o.info) {
    plan_our_device(st, o, kill, remount, plan);
    return;
  }
  if (!st.is_mounted || o.journal) return;
  if (o.mount_point_mounted) {
    plan.problems.push_back(
        {"foreign_mount", st.mount_point + " is mounted, but not from schelk's era device '" +
                              st.dm_era_name + "', which is gone: unmount it yourself ('umount " +
                              st.mount_point + "'), then run 'schelk repair'."});
    return;
  }
  if (!o.journal_error.empty()) {
    plan.problems.push_back(
        {"unreadable_written_set",
         "The saved written set cannot be read (" + o.journal_error +
             ") and the era device is gone, so the written blocks are unknown: run 'schelk "
             "full-recover' to copy all of virgin to scratch."});
    return;
  }
}

void plan_reboot(const State& st, const Observation& o, Plan& plan) {
  if (!st.is_mounted || o.info || o.journal || o.mount_point_mounted || !o.journal_error.empty()) {
    return;
  }
  plan.actions.push_back(
      {{"clear_stale_mounted_state",
        "recorded scratch as unmounted: the state said mounted, but the era device and the mount "
        "are gone (a reboot or power loss?); the blocks written since mount are unknown, so "
        "scratch needs a full recovery"},
       [](Context&, State& s) {
         s.is_mounted = false;
         s.current_era.reset();
         s.scratch_clean_at.reset();
         s.needs_full_recover = kNeedsFullTrackingLost;
       }});
}

void plan_files(const Context& ctx, const State& st, const Observation& o, Plan& plan) {
  const auto journal_path = journal_path_for(ctx.options().state_path).string();
  if (o.journal_file) {
    if (!st.is_mounted) {
      plan.actions.push_back({{"remove_stale_written_set",
                               "removed the saved written set " + journal_path +
                                   " of a copy that had finished (the state records it done)"},
                              [](Context& c, State&) { remove_journal(c.options().state_path); }});
    } else if (!o.journal_error.empty() && o.info && o.ours) {
      plan.actions.push_back({{"remove_unreadable_written_set",
                               "removed the unreadable saved written set " + journal_path +
                                   ": the era device still holds the writes"},
                              [](Context& c, State&) { remove_journal(c.options().state_path); }});
    } else if (o.journal) {
      plan.pending = o.journal->operation;
    }
  }
  // A receive a kill interrupted: receive --finish settles it (it copies; repair does not).
  if (!plan.pending && std::filesystem::exists(receive_log_path_for(ctx.options().state_path))) {
    plan.pending = "receive";
  }
  if (!o.stamp_error.empty()) {
    const auto stamp = scratch_stamp_path_for(ctx.options().state_path);
    plan.actions.push_back({{"remove_unreadable_scratch_stamp",
                             "removed the unreadable scratch stamp " + stamp.string() + " (" +
                                 o.stamp_error + "); it proves nothing"},
                            [stamp](Context&, State&) { std::filesystem::remove(stamp); }});
  }
}

Plan make_plan(Context& ctx, const State& st, bool kill, bool remount) {
  const Observation o = observe(ctx, st);
  Plan plan;
  plan_device(st, o, kill, remount, plan);
  plan_reboot(st, o, plan);
  plan_files(ctx, st, o, plan);
  return plan;
}

// Applies every action in order; the state is saved when one changed it.
void apply(Context& ctx, State& st, const Plan& plan) {
  const std::string before = state_to_json(st);
  for (const auto& a : plan.actions) {
    a.apply(ctx, st);
    ctx.report().repairs.push_back(a.what);
    ctx.out() << "Repaired: " << a.what.detail << "." << std::endl;
  }
  if (state_to_json(st) != before) ctx.save(st);
}

nlohmann::ordered_json problems_json(const Plan& plan) {
  auto j = nlohmann::ordered_json::array();
  for (const auto& p : plan.problems) j.push_back({{"name", p.name}, {"message", p.message}});
  return j;
}

}  // namespace

std::string needs_full_recover_message(const State& st) {
  const std::string tail =
      " Incremental recovery is not possible. Run 'schelk full-recover' to restore scratch from "
      "virgin (or 'schelk restore --full-if-needed').";
  if (st.needs_full_recover == kNeedsFullUnknownMount) {
    return "Scratch was written through a mount schelk did not record (removed by repair)." + tail;
  }
  if (st.needs_full_recover == kNeedsFullScratchOverwritten) {
    return "Scratch was overwritten by a receive of a full stream that did not finish (virgin "
           "was not touched; receiving the stream again replaces this pair)." +
           tail;
  }
  return "Tracking of scratch was lost while it was mounted (the era device vanished: likely a "
         "host reboot or power loss)." +
         tail;
}

void apply_safe_repairs(Context& ctx, State& st, bool kill) {
  const Plan plan = make_plan(ctx, st, kill, false);
  if (!plan.problems.empty()) throw std::runtime_error(plan.problems.front().message);
  // The reboot case is left to the command: recover and mount keep their own messages, and
  // full-recover clears it itself (schelk's behaviour); `schelk repair` records it.
  Plan safe;
  for (const auto& a : plan.actions) {
    if (a.what.name != "clear_stale_mounted_state") safe.actions.push_back(a);
  }
  apply(ctx, st, safe);
}

void cmd_repair(Context& ctx, const RepairOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  State st = ctx.load_initialized();
  auto& out = ctx.out();
  StepTimer timer(ctx.report(), "diagnose");
  const Plan plan = make_plan(ctx, st, opts.kill, true);
  timer.stop();
  auto& fields = ctx.report().fields;
  fields["dry_run"] = opts.dry_run;
  auto planned = nlohmann::ordered_json::array();
  for (const auto& a : plan.actions) {
    planned.push_back({{"name", a.what.name}, {"detail", a.what.detail}});
  }
  fields["planned"] = planned;
  fields["problems"] = problems_json(plan);
  fields["pending"] = plan.pending ? nlohmann::ordered_json(*plan.pending) : nullptr;
  if (plan.actions.empty() && plan.problems.empty() && !plan.pending) {
    out << "Nothing to repair: the state agrees with the system.\n";
    ctx.report().outcome = "nothing_to_do";
  }
  for (const auto& a : plan.actions) {
    if (opts.dry_run) out << "Would repair: " << a.what.detail << ".\n";
  }
  if (!opts.dry_run && !plan.actions.empty()) {
    if (!ctx.options().yes) {
      for (const auto& a : plan.actions) out << "Will repair: " << a.what.detail << ".\n";
    }
    ctx.confirm("Apply " + std::to_string(plan.actions.size()) + " repair" +
                (plan.actions.size() == 1 ? "" : "s") + "?");
    timer.next("repair");
    apply(ctx, st, plan);
    timer.stop();
  }
  fields["needs_full_recover"] =
      st.needs_full_recover ? nlohmann::ordered_json(*st.needs_full_recover) : nullptr;
  if (st.needs_full_recover && !opts.dry_run) out << needs_full_recover_message(st) << "\n";
  for (const auto& p : plan.problems) out << "Cannot repair: " << p.message << "\n";
  if (!plan.problems.empty()) {
    throw std::runtime_error(plan.problems.front().message);
  }
  if (plan.pending == "receive") {
    out << "Pending: an interrupted receive; run 'schelk receive --finish' to roll it back or "
           "finish it (repair does not copy).\n";
    ctx.report().exit_code = kExitInterrupted;
  } else if (plan.pending) {
    out << "Pending: an interrupted " << *plan.pending << " saved its written set; run 'schelk "
        << *plan.pending << "' to finish it (repair does not copy).\n";
    ctx.report().exit_code = kExitInterrupted;
  }
}

}  // namespace schelk
