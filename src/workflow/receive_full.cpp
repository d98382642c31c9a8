// receive of a full stream: a new pair, as init-from would make it, but virgin written from the
// stream (only the blocks the sender's filesystem uses) and the same blocks copied to scratch.
// Nothing is saved until both volumes hold the stream: a kill leaves no state (the old pair's is
// removed once the user agreed to replace it), and the rerun starts over.
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
      << "  Virgin:  " << o.virgin << " (written from the stream: " << describe_stream(h) << ")\n"
      << "  Scratch: " << o.scratch << " (the same blocks)\n";
  ctx.confirm("Proceed?");
  forget_old_pair(ctx);

  out << "Writing " << o.virgin << " from " << input << "..." << std::endl;
  timer.next("write virgin");
  BatchedVolumeWriter virgin(o.virgin, o.granularity, {});
  while (auto e = next_extent(reader,
                              "Interrupted: virgin is partly written and no pair is "
                              "initialised; run the receive again.")) {
    virgin.add(e->offset, e->data);
  }
  virgin.finish();
  timer.stop();
  test_stop_point("receive-full-after-virgin");
  const auto& totals = reader.totals();
  report_stream_fields(ctx.report(), h, totals);
  if (ctx.volumes().hash_superblock(o.virgin) != base::Sha256Digest(h.superblock_sha256)) {
    throw std::runtime_error("After the stream, virgin's superblock (" + o.virgin +
                             ") is not the one the stream names: it does not hold the baseline "
                             "it claims. No pair was initialised.");
  }

  const uint64_t blocks = count_blocks(virgin.ranges());
  out << "Copying the " << blocks << " blocks received from " << o.virgin << " to " << o.scratch
      << "..." << std::endl;
  timer.next(o.verify ? "copy and verify" : "copy");
  const auto report = ctx.copier().copy(
      {o.virgin, o.scratch, ranges_to_extents(virgin.ranges(), o.granularity, checked.size),
       o.verify, true});
  timer.stop();
  ctx.report().path = "full";
  ctx.report().add_copy(report.bytes, blocks, o.granularity);
  record_copy_phases(ctx.report(), report);
  check_verified(report, o.virgin, o.scratch);
  test_stop_point("receive-full-after-copy");

  save_initialized_state(ctx, o, h.fstype, {baseline_id_text(h.baseline_id), h.to_generation});
  out << "Received " << describe_stream(h) << ": " << base::format_bytes(totals.data_bytes)
      << " in " << totals.extents << " extents (a stream of "
      << base::format_bytes(totals.stream_bytes) << ").\n";
  print_copy_report(out, "Blocks received", blocks, report);
  print_initialized(out, o, ctx.options().state_path.string());
}

}  // namespace schelk
