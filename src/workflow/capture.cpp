// Written-set capture: take_metadata_snap -> read (era_metadata) -> save journal ->
// drop_metadata_snap -> remove, with the snapshot dropped even when reading fails; then the copy
// of the written blocks, the state save and the report. Interrupts (base::process_cancel) are
// honoured before the unmount (nothing changed yet), after the device is removed (the saved
// written set is the resumable truth) and between the copier's extents.
#include "src/workflow/capture.hpp"

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "base/cancel.hpp"
#include "copier/errors.hpp"
#include "src/dm/metadata_snapshot.hpp"
#include "src/workflow/test_hook.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

const char* operation_name(Operation op) {
  return op == Operation::kRecover ? "recover" : "promote";
}

namespace {

// The stop inside the critical part: the journal on disk lets a rerun finish.
base::Interrupted interrupted_resumable(const Context& ctx, int signal, Operation op,
                                        uint64_t copied, uint64_t total) {
  const std::string command =
      ctx.report().command.empty() ? operation_name(op) : ctx.report().command;
  return base::Interrupted(signal, "Interrupted: " + std::to_string(copied) + " of " +
                                       std::to_string(total) +
                                       " blocks copied; the written set is saved. Run 'schelk " +
                                       command + "' again to finish.");
}

std::string missing_device_message(const State& st, Operation op) {
  if (op == Operation::kRecover) {
    return "dm-era device '" + st.dm_era_name +
           "' does not exist. State says mounted but device is missing — likely a host reboot "
           "or power loss. Incremental recovery is not possible. Run 'schelk full-recover' to "
           "restore scratch from virgin.";
  }
  return "dm-era device '" + st.dm_era_name +
         "' does not exist. State says mounted but device is missing. This may indicate a "
         "system crash. Run 'schelk mount' to remount, or manually reset state.";
}

void check_journal_matches(const Journal& j, const State& st, Operation op) {
  if (j.operation != operation_name(op)) {
    throw std::runtime_error("An interrupted '" + j.operation +
                             "' must be finished first: run 'schelk " + j.operation + "'.");
  }
  if (j.granularity != st.granularity || j.dm_era_name != st.dm_era_name) {
    throw std::runtime_error(
        "The saved written set does not match the state (granularity or "
        "dm-era name differ); run 'schelk full-recover'.");
  }
}

// Under a held metadata snapshot: reads the written set, checks it against the state and saves it
// as the journal; the snapshot is dropped on every path.
Journal read_and_save_written_set(Context& ctx, const State& st, Operation op, uint32_t since) {
  auto& dm = ctx.dm();
  StepTimer timer(ctx.report(), "snapshot");
  MetadataSnapshotHold snapshot(dm, st.dm_era_name, ctx.err());
  timer.stop();
  test_stop_point("after-take-snap");
  if (!dm.status(st.dm_era_name).snapshot_block) {
    throw std::runtime_error("dm-era device '" + st.dm_era_name +
                             "' reports no metadata snapshot after take_metadata_snap");
  }
  timer.next("read written set");
  WrittenBlocks written = ctx.written_sets().read(st.ramdisk, since);
  timer.stop();
  const uint64_t size = ctx.volumes().size(st.scratch);
  const uint64_t expected_blocks = (size + st.granularity - 1) / st.granularity;
  if (written.data_block_sectors != st.granularity / 512 || written.nr_blocks != expected_blocks) {
    throw std::runtime_error("dm-era metadata on " + st.ramdisk +
                             " does not match the state: " + std::to_string(written.nr_blocks) +
                             " blocks of " + std::to_string(written.data_block_sectors) +
                             " sectors, expected " + std::to_string(expected_blocks) +
                             " blocks of " + std::to_string(st.granularity / 512));
  }
  Journal j;
  j.operation = operation_name(op);
  j.dm_era_name = st.dm_era_name;
  j.granularity = st.granularity;
  j.nr_blocks = written.nr_blocks;
  j.era = since;
  j.ranges = std::move(written.ranges);
  timer.next("save written set");
  save_journal(ctx.options().state_path, j);
  timer.stop();
  test_stop_point("after-journal");
  timer.next("drop snapshot");
  snapshot.release();
  return j;
}

}  // namespace

Journal capture_written_set(Context& ctx, const State& st, Operation op, bool kill) {
  base::throw_if_interrupted_unchanged();  // the point of no return is the unmount below
  auto& out = ctx.out();
  auto& dm = ctx.dm();
  const auto& state_path = ctx.options().state_path;
  auto journal = load_journal(state_path);
  const bool device_exists = dm.exists(st.dm_era_name);
  if (!device_exists) {
    if (!journal) throw std::runtime_error(missing_device_message(st, op));
    check_journal_matches(*journal, st, op);
    ctx.report().fields["resumed"] = true;
    out << "Resuming an interrupted " << journal->operation << " from the saved written set ("
        << count_blocks(journal->ranges) << " blocks, " << journal_path_for(state_path).string()
        << ")." << std::endl;
    return *journal;
  }
  if (journal) {
    // The device is still there: the saved set may be older than what the device knows now,
    // so read again (a superset of it); only an operation mismatch matters.
    check_journal_matches(*journal, st, op);
  }

  if (ctx.mounter().is_mounted(st.mount_point)) {
    out << "Unmounting " << st.mount_point << "..." << std::endl;
    StepTimer timer(ctx.report(), "unmount");
    ctx.mounter().unmount(st.mount_point, kill);
    timer.stop();
    test_stop_point("after-unmount");
  } else {
    out << "Mountpoint " << st.mount_point << " not actually mounted, skipping unmount..."
        << std::endl;
  }

  const auto before = dm.status(st.dm_era_name);
  if (before.snapshot_block) {
    // Left by a run killed between take and drop; ours would fail with EINVAL.
    out << "Dropping a metadata snapshot left by an interrupted run..." << std::endl;
    StepTimer timer(ctx.report(), "drop stale snapshot");
    dm.message(st.dm_era_name, "drop_metadata_snap");
  }
  const uint32_t since = static_cast<uint32_t>(st.current_era.value_or(0));
  out << "Reading blocks written since era " << since << "..." << std::endl;
  journal = read_and_save_written_set(ctx, st, op, since);
  test_stop_point("after-drop");
  out << "Removing dm-era device '" << st.dm_era_name << "'..." << std::endl;
  StepTimer timer(ctx.report(), "remove device");
  dm.remove(st.dm_era_name);
  timer.stop();
  test_stop_point("after-remove");
  if (const int signal = base::process_cancel().signal()) {
    throw interrupted_resumable(ctx, signal, op, 0, count_blocks(journal->ranges));
  }
  return *journal;
}

namespace {

// What differs between recover's and promote's copy: direction and wording.
struct CopyWording {
  const char* copying;       // "<copying> N blocks from A to B..."
  const char* blocks_label;  // in the report
  const char* complete;      // the line after a copy
  const char* nothing;       // the line when no block was written
};

CopyWording wording(Operation op) {
  if (op == Operation::kRecover) {
    return {"Restoring", "Blocks restored", "Recovery complete.",
            "No blocks were modified. Nothing to recover."};
  }
  return {"Promoting", "Blocks promoted", "Promotion complete. Virgin now holds the promoted data.",
          "No blocks were modified. Nothing to promote."};
}

}  // namespace

void copy_written_set(Context& ctx, State& st, Operation op, const Journal& journal, bool verify) {
  auto& out = ctx.out();
  const CopyWording words = wording(op);
  const bool to_virgin = op == Operation::kPromote;
  const std::string& from = to_virgin ? st.scratch : st.virgin;
  const std::string& to = to_virgin ? st.virgin : st.scratch;
  const uint64_t blocks = count_blocks(journal.ranges);
  ctx.report().path = "incremental";
  ctx.report().written_set = journal.ranges;
  auto phases = nlohmann::ordered_json::array();  // the run's phases, for its history record
  for (const auto& p : st.phases)
    phases.push_back({{"label", p.label}, {"era", p.era}, {"at", p.at}});
  ctx.report().fields["phases"] = phases;
  CopyReport report;
  if (blocks > 0) {
    out << words.copying << " " << blocks << " blocks from " << from << " to " << to << "..."
        << std::endl;
    auto extents = ranges_to_extents(journal.ranges, st.granularity, ctx.volumes().size(to));
    const auto should_stop = [] { return base::process_cancel().requested(); };
    uint64_t first_bytes = 0;  // copied before the mid-copy stop point
    try {
      if (test_stop_requested("mid-copy") && extents.size() > 1) {
        // Copy half, stop, so a crash test sees the destination partly overwritten.
        std::vector<copier::Extent> first(extents.begin(), extents.begin() + extents.size() / 2);
        first_bytes =
            ctx.copier().copy_stoppable({from, to, first, false, false}, should_stop).bytes;
        test_stop_point("mid-copy");
      }
      StepTimer timer(ctx.report(), verify ? "copy and verify" : "copy");
      report =
          ctx.copier().copy_stoppable({from, to, std::move(extents), verify, true}, should_stop);
      timer.stop();
    } catch (const copier::CopyCancelled& e) {
      // A block counts as copied once all of it is: a lower bound, as the set is resumed whole.
      const uint64_t copied = std::min(blocks, (first_bytes + e.done_bytes()) / st.granularity);
      throw interrupted_resumable(ctx, base::process_cancel().signal(), op, copied, blocks);
    }
    ctx.report().add_copy(report.bytes, blocks, st.granularity);
    record_copy_phases(ctx.report(), report);
    check_verified(report, from, to);
  }
  test_stop_point("after-copy");
  st.is_mounted = false;
  st.current_era.reset();
  mark_scratch_clean(st);  // both directions leave virgin and scratch equal
  if (to_virgin) {
    StepTimer hash(ctx.report(), "hash superblock");
    st.virgin_superblock_hash = ctx.volumes().hash_superblock(st.virgin);
    // The next generation of the baseline (one made now for a state from before generations).
    if (!st.baseline_id) st.baseline_id = make_baseline_id();
    ++st.generation;
    ctx.report().fields["baseline_id"] = *st.baseline_id;
    ctx.report().fields["generation"] = st.generation;
  }
  // Stamp before the state says "not mounted": a kill between the two must not leave a saved
  // state whose stamp predates our own copy (the next mount would refuse).
  StepTimer timer(ctx.report(), "stamp scratch");
  record_scratch_untouched(ctx, st);
  timer.next("save state");
  ctx.save(st);
  timer.stop();
  test_stop_point("after-save");
  timer.next("remove written set");
  remove_journal(ctx.options().state_path);
  timer.stop();
  if (blocks == 0) {
    out << words.nothing << "\n";
  } else {
    out << words.complete << "\n";
    print_copy_report(out, words.blocks_label, blocks, report);
  }
}

}  // namespace schelk
