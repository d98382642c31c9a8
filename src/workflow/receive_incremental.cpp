// receive of an incremental stream, in two stages so that virgin is never half updated by a bad
// stream, and the interrupted receive a kill leaves (the receive log, receive_log.hpp):
// - stage 1: the stream's checked extents are written to scratch (equal to virgin while clean),
//   each batch's blocks logged and synced first. A bad stream, an error or an interrupt copies
//   those blocks back from virgin: nothing changed. A kill: the next receive does that copy.
// - stage 2, once the whole stream and its trailer checked and scratch is synced: the log says
//   so, the blocks are copied scratch -> virgin as promote does, and the state moves to the
//   stream's generation. A kill: the next receive copies them again (scratch still holds them).
#include <stdexcept>

#include "base/cancel.hpp"
#include "base/format.hpp"
#include "copier/errors.hpp"
#include "src/workflow/full_if_needed.hpp"
#include "src/workflow/receive_steps.hpp"
#include "src/workflow/stream_report.hpp"
#include "src/workflow/test_hook.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/volume_batch_io.hpp"
#include "src/workflow/volume_pair.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

constexpr const char* kFinishHint = "run 'schelk receive --finish' (or receive a stream)";

// Copies `ranges` between the pair's volumes; throws base::Interrupted with `interrupted` when a
// signal stops the copier.
CopyReport copy_ranges(Context& ctx, const State& st, bool to_virgin,
                       const std::vector<BlockRange>& ranges, bool verify,
                       const std::string& interrupted) {
  const std::string& from = to_virgin ? st.scratch : st.virgin;
  const std::string& to = to_virgin ? st.virgin : st.scratch;
  auto extents = ranges_to_extents(ranges, st.granularity, ctx.volumes().size(to));
  try {
    const auto report =
        ctx.copier().copy_stoppable({from, to, std::move(extents), verify, true},
                                    [] { return base::process_cancel().requested(); });
    check_verified(report, from, to);
    return report;
  } catch (const copier::CopyCancelled&) {
    throw base::Interrupted(base::process_cancel().signal(), interrupted);
  }
}

// Stage 1 undone: the logged blocks of scratch copied back from virgin, the log removed.
uint64_t roll_back(Context& ctx, State& st, const ReceiveLog& log) {
  const auto ranges = merge_ranges(log.ranges);
  StepTimer timer(ctx.report(), "roll back scratch");
  copy_ranges(ctx, st, false, ranges, false,
              "Interrupted while rolling scratch back; " + std::string(kFinishHint) + ".");
  timer.stop();
  // Scratch equals virgin again where it did before: a clean scratch is clean again.
  if (log.scratch_was_clean) record_scratch_untouched(ctx, st);
  remove_receive_log(ctx.options().state_path);
  return count_blocks(ranges);
}

// Stage 2: the blocks scratch holds from the checked stream, copied to virgin; the state moves to
// the stream's generation.
void finish_stage_two(Context& ctx, State& st, const ReceiveLog& log, bool verify) {
  auto& out = ctx.out();
  const auto ranges = merge_ranges(log.ranges);
  const uint64_t blocks = count_blocks(ranges);
  out << "Copying the " << blocks << " blocks received from " << st.scratch << " to " << st.virgin
      << "..." << std::endl;
  StepTimer timer(ctx.report(), verify ? "copy and verify" : "copy");
  const auto report =
      copy_ranges(ctx, st, true, ranges, verify,
                  "Interrupted: virgin is partly updated; scratch holds the whole stream. " +
                      std::string(kFinishHint) + " to finish.");
  timer.stop();
  ctx.report().add_copy(report.bytes, blocks, st.granularity);
  record_copy_phases(ctx.report(), report);
  test_stop_point("receive-after-virgin");
  st.generation = log.to_generation;
  StepTimer hash(ctx.report(), "hash superblock");
  st.virgin_superblock_hash = ctx.volumes().hash_superblock(st.virgin);
  hash.stop();
  if (log.scratch_was_clean) {
    mark_scratch_clean(st);
    record_scratch_untouched(ctx, st);
  }
  ctx.save(st);
  test_stop_point("receive-after-save");
  remove_receive_log(ctx.options().state_path);
  ctx.report().fields["baseline_id"] = st.baseline_id.value_or("");
  ctx.report().fields["generation"] = st.generation;
  print_copy_report(out, "Blocks received", blocks, report);
  out << "Virgin now holds generation " << st.generation << " of baseline "
      << st.baseline_id.value_or("") << ".\n";
  if (!log.scratch_was_clean) {
    out << "Note: scratch was not provably equal to virgin before the receive, so it is not now "
           "either; run 'schelk full-recover' before the next benchmark.\n";
  }
}

void refuse_unless_ready(Context& ctx, const State& st) {
  if (st.is_mounted) {
    throw std::runtime_error("schelk state says " + st.mount_point +
                             " is mounted: a stream applies to an unmounted pair. Run 'schelk "
                             "recover' (or 'schelk promote') first.");
  }
  if (auto j = load_journal(ctx.options().state_path)) {
    throw std::runtime_error("An interrupted " + j->operation + " is pending: run 'schelk " +
                             j->operation + "' first.");
  }
  // Both volumes are written: checked as volumes (block devices of one size) before the first
  // byte, as full-recover checks them.
  require_block_device_pair(ctx.volumes(), st.virgin, st.scratch,
                            [&st](uint64_t vsize, uint64_t ssize) {
                              return volume_size_mismatch(st.virgin, vsize, st.scratch, ssize);
                            });
  if (ctx.volumes().hash_superblock(st.virgin) != st.virgin_superblock_hash) {
    throw std::runtime_error("Virgin's superblock (" + st.virgin +
                             ") changed since schelk last wrote it: virgin was written outside "
                             "schelk and is not the baseline the stream changes. Receive a full "
                             "stream instead.");
  }
}

}  // namespace

void settle_interrupted_receive(Context& ctx, bool verify) {
  const auto& state_path = ctx.options().state_path;
  auto log = load_receive_log(state_path);
  if (!log) return;
  auto& out = ctx.out();
  State st = ctx.load_initialized();
  ctx.report().fields["settled"] = log->scratch_complete ? "finished" : "rolled_back";
  if (!log->scratch_complete) {
    out << "Rolling back an interrupted receive (generation " << log->from_generation << " to "
        << log->to_generation << "): scratch's received blocks copied back from virgin..."
        << std::endl;
    const uint64_t blocks = roll_back(ctx, st, *log);
    out << "Rolled back " << blocks << " blocks; virgin and the state were never changed.\n";
    return;
  }
  if (st.generation == log->to_generation && st.baseline_id == log->baseline_id) {
    // Killed between the state save and the log's removal: it had finished.
    remove_receive_log(state_path);
    out << "The interrupted receive of generation " << log->to_generation << " had finished.\n";
    return;
  }
  if (st.generation != log->from_generation || st.baseline_id != log->baseline_id) {
    throw std::runtime_error("The receive log " + receive_log_path_for(state_path).string() +
                             " is for generation " + std::to_string(log->from_generation) +
                             " of baseline " + log->baseline_id +
                             ", not this pair's state; run 'schelk full-recover', remove the "
                             "log and receive a full stream.");
  }
  out << "Finishing an interrupted receive (generation " << log->from_generation << " to "
      << log->to_generation << ")..." << std::endl;
  finish_stage_two(ctx, st, *log, verify);
}

void receive_incremental(Context& ctx, const ReceiveOptions& opts, stream::StreamReader& reader,
                         const std::string& input) {
  const auto& h = reader.header();
  auto& out = ctx.out();
  const auto& state_path = ctx.options().state_path;
  if (opts.init) {
    throw std::runtime_error("The stream " + input + " holds " + describe_stream(h) +
                             ": it applies to this host's pair; drop --virgin, --scratch, "
                             "--ramdisk and --mount-point.");
  }
  const auto existing = load_state(state_path);
  // Received before (this run settled it, or an earlier one finished): applying is idempotent,
  // so a fleet's retried receive succeeds without reading the stream again.
  if (stream_already_applied(existing, h)) {
    out << "This stream is already applied: virgin holds generation " << h.to_generation
        << " of baseline " << *existing->baseline_id << ".\n";
    ctx.report().outcome = "nothing_to_do";
    return;
  }
  if (const std::string why = stream_not_applicable(ctx, existing, h); !why.empty()) {
    throw std::runtime_error("The stream " + input + " does not apply to this pair: " + why +
                             ". Nothing was written.");
  }
  State st = *existing;
  refuse_unless_ready(ctx, st);
  const bool clean = scratch_known_clean(ctx, st);
  out << "WARNING: receive writes " << describe_stream(h) << " onto scratch (" << st.scratch
      << "), then onto virgin (" << st.virgin << "); the old baseline is lost.\n";
  ctx.confirm("Permanently overwrite virgin volume?");

  ReceiveLog header{
      *st.baseline_id, h.from_generation, h.to_generation, st.granularity, {}, false, clean};
  out << "Writing the stream's blocks to " << st.scratch << " (stage 1 of 2)..." << std::endl;
  StepTimer timer(ctx.report(), "write scratch");
  ReceiveLogWriter log(state_path, header);
  header.ranges.clear();
  try {
    BatchedVolumeWriter scratch(
        st.scratch, st.granularity, [&](const std::vector<BlockRange>& ranges) {
          log.append(ranges);
          header.ranges.insert(header.ranges.end(), ranges.begin(), ranges.end());
        });
    ReceiveProgress progress(ctx, opts);
    while (auto e = next_extent(reader, "Interrupted while receiving")) {
      scratch.add(e->offset, e->data);
      progress.update(reader);
      test_stop_point("receive-mid-scratch");
    }
    progress.finish();
    scratch.finish();
    timer.stop();
    // The sender's superblock after its promote: scratch's when the stream carried it, else
    // virgin's (unchanged by the stream).
    const bool carries_superblock =
        !scratch.ranges().empty() && scratch.ranges().front().begin == 0;
    const auto superblock =
        ctx.volumes().hash_superblock(carries_superblock ? st.scratch : st.virgin);
    if (superblock != base::Sha256Digest(h.superblock_sha256)) {
      throw std::runtime_error(
          "after the stream, the superblock is not the one the stream names "
          "(generation " +
          std::to_string(h.to_generation) +
          " of the sender): the stream does not hold the changes it claims");
    }
  } catch (const std::exception& e) {
    out << "Rolling scratch back from virgin..." << std::endl;
    const uint64_t blocks = roll_back(ctx, st, header);
    const std::string undone = " Scratch's " + std::to_string(blocks) +
                               " received blocks were copied back from virgin; virgin and the "
                               "state are unchanged.";
    if (const auto* i = dynamic_cast<const base::Interrupted*>(&e)) {
      throw base::Interrupted(i->signal_number(), std::string(e.what()) + "." + undone);
    }
    throw std::runtime_error(std::string(e.what()) + "." + undone);
  }
  test_stop_point("receive-after-scratch");
  log.mark_scratch_complete();
  report_stream_fields(ctx.report(), h, reader.totals());
  ctx.report().path = "incremental";
  test_stop_point("receive-scratch-complete");
  finish_stage_two(ctx, st, header, opts.verify);
}

}  // namespace schelk
