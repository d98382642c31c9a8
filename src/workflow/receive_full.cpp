// receive of a full stream: a new pair, as init-from would make it, from the stream (only the
// blocks the sender's filesystem uses). Like an incremental receive, it writes scratch first and
// touches virgin only once the whole stream checked: a damaged, cut or mismatched stream leaves
// virgin as it was. An old pair being replaced is marked "scratch_overwritten" before its scratch
// is written, and its state removed only when virgin is about to be written; the new state is
// saved last. A kill leaves either the old pair (marked) or no pair, and receiving the stream
// again starts over.
#include <filesystem>
#include <stdexcept>

#include "base/format.hpp"
#include "src/state/receive_log.hpp"
#include "src/workflow/init_steps.hpp"
#include "src/workflow/receive_steps.hpp"
#include "src/workflow/stream_report.hpp"
#include "src/workflow/test_hook.hpp"
#include "src/workflow/volume_writer.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

// The old pair's scratch is about to be overwritten: until the new pair exists, only a full
// recovery makes it a copy of its virgin again.
void mark_old_pair(Context& ctx) {
  auto old = load_state(ctx.options().state_path);
  if (!old) return;
  old->scratch_clean_at.reset();
  old->needs_full_recover = kNeedsFullScratchOverwritten;
  ctx.save(*old);
}

void forget_old_pair(Context& ctx) {
  const auto& state_path = ctx.options().state_path;
  std::error_code ec;
  std::filesystem::remove(state_path, ec);
  if (ec) throw std::system_error(ec, "Cannot remove the old state " + state_path.string());
  remove_journal(state_path);
  remove_receive_log(state_path);
}

}  // namespace

void receive_full(Context& ctx, const ReceiveOptions& opts, stream::StreamReader& reader,
                  const std::string& input) {
  const auto& h = reader.header();
  if (!opts.init) {
    throw std::runtime_error(
        "The stream " + input + " holds " + describe_stream(h) +
        ": it initialises a new pair. Give --virgin, --scratch, --ramdisk and --mount-point.");
  }
  InitOptions o = *opts.init;
  o.granularity = h.block_size;
  o.fstype = h.fstype;
  o.verify = opts.verify;
  StepTimer timer(ctx.report(), "check");
  const CheckedInit checked = check_init(ctx, o, InitKind::kFrom);
  timer.stop();
  if (checked.size != h.volume_bytes) {
    throw std::runtime_error("The stream's volume has " + std::to_string(h.volume_bytes) +
                             " bytes, virgin " + o.virgin + " and scratch " + o.scratch + " " +
                             std::to_string(checked.size) +
                             ": receive it onto volumes of the sender's size.");
  }
  auto& out = ctx.out();
  out << "WARNING: This will DESTROY all data on both volumes:\n"
      << "  Scratch: " << o.scratch << " (written from the stream: " << describe_stream(h) << ")\n"
      << "  Virgin:  " << o.virgin << " (the same blocks, once the whole stream checked)\n";
  ctx.confirm("Proceed?");
  mark_old_pair(ctx);

  out << "Writing " << o.scratch << " from " << input << " (stage 1 of 2)..." << std::endl;
  timer.next("write scratch");
  BatchedVolumeWriter scratch(o.scratch, o.granularity, {});
  const std::string untouched = "; virgin was not touched";
  while (auto e = next_extent(reader, "Interrupted while receiving" + untouched + ".")) {
    scratch.add(e->offset, e->data);
  }
  scratch.finish();
  timer.stop();
  test_stop_point("receive-full-after-scratch");
  const auto& totals = reader.totals();
  report_stream_fields(ctx.report(), h, totals);
  if (ctx.volumes().hash_superblock(o.scratch) != base::Sha256Digest(h.superblock_sha256)) {
    throw std::runtime_error("After the stream, the superblock (" + o.scratch +
                             ") is not the one the stream names: it does not hold the baseline "
                             "it claims" +
                             untouched + ".");
  }

  forget_old_pair(ctx);  // virgin changes from here: the old pair is gone
  const uint64_t blocks = count_blocks(scratch.ranges());
  out << "Copying the " << blocks << " blocks received from " << o.scratch << " to " << o.virgin
      << " (stage 2 of 2)..." << std::endl;
  timer.next(o.verify ? "copy and verify" : "copy");
  const auto report = ctx.copier().copy(
      {o.scratch, o.virgin, ranges_to_extents(scratch.ranges(), o.granularity, checked.size),
       o.verify, true});
  timer.stop();
  ctx.report().path = "full";
  ctx.report().add_copy(report.bytes, blocks, o.granularity);
  record_copy_phases(ctx.report(), report);
  check_verified(report, o.scratch, o.virgin);
  test_stop_point("receive-full-after-copy");

  save_initialized_state(ctx, o, h.fstype, {baseline_id_text(h.baseline_id), h.to_generation});
  out << "Received " << describe_stream(h) << ": " << base::format_bytes(totals.data_bytes)
      << " in " << totals.extents << " extents (a stream of "
      << base::format_bytes(totals.stream_bytes) << ").\n";
  print_copy_report(out, "Blocks received", blocks, report);
  print_initialized(out, o, ctx.options().state_path.string());
}

}  // namespace schelk
