// receive: the dispatch (a pending interrupted receive first, then the stream by its kind) and
// --dry-run.
#include "src/workflow/receive.hpp"

#include <unistd.h>

#include <stdexcept>

#include "base/cancel.hpp"
#include "base/format.hpp"
#include "src/workflow/receive_steps.hpp"
#include "src/workflow/stream_report.hpp"

namespace schelk {

std::string stream_not_applicable(Context& ctx, const std::optional<State>& st,
                                  const stream::StreamHeader& h) {
  const std::string id = baseline_id_text(h.baseline_id);
  if (!st) {
    return h.full ? "" : "this host has no schelk pair; an incremental stream needs one";
  }
  if (h.full) return "";  // a new pair, replacing this one (receive asks first)
  if (st->baseline_id != id) {
    return "its baseline " + id + " is not this pair's (" + st->baseline_id.value_or("none") + ")";
  }
  if (h.from_generation != st->generation) {
    return "it starts at generation " + std::to_string(h.from_generation) +
           ", this pair is at generation " + std::to_string(st->generation) +
           (h.from_generation < st->generation
                ? ""
                : " (send from generation " + std::to_string(st->generation) + ", or --full)");
  }
  if (h.block_size != st->granularity) {
    return "its block size " + std::to_string(h.block_size) + " is not this pair's " +
           std::to_string(st->granularity);
  }
  const uint64_t size = ctx.volumes().size(st->virgin);
  if (h.volume_bytes != size) {
    return "its volume has " + std::to_string(h.volume_bytes) + " bytes, virgin " +
           std::to_string(size);
  }
  return "";
}

bool stream_already_applied(const std::optional<State>& st, const stream::StreamHeader& h) {
  return st && !h.full && st->baseline_id == baseline_id_text(h.baseline_id) &&
         st->generation == h.to_generation && h.from_generation < h.to_generation &&
         st->virgin_superblock_hash == base::Sha256Digest(h.superblock_sha256);
}

std::optional<stream::StreamExtent> next_extent(stream::StreamReader& reader,
                                                const std::string& message) {
  if (const int signal = base::process_cancel().signal()) throw base::Interrupted(signal, message);
  return reader.next();
}

void refuse_if_receive_pending(const Context& ctx) {
  const auto log = load_receive_log(ctx.options().state_path);
  if (!log) return;
  throw std::runtime_error(
      "An interrupted receive (generation " + std::to_string(log->from_generation) + " to " +
      std::to_string(log->to_generation) + ") left " +
      (log->scratch_complete ? "virgin partly updated" : "scratch partly written") +
      ": run 'schelk receive --finish' first.");
}

namespace {

void dry_run(Context& ctx, const ReceiveOptions& opts) {
  StreamInput input(opts.input);
  const std::string name = input.name();
  StepTimer timer(ctx.report(), "check stream");
  stream::StreamReader reader(input.source());
  const auto h = reader.header();
  while (next_extent(reader, base::kInterruptedUnchanged)) {
  }
  timer.stop();
  const auto& t = reader.totals();
  const std::optional<State> st = load_state(ctx.options().state_path);
  const bool applied = stream_already_applied(st, h);
  const std::string why =
      applied ? "this pair already holds generation " + std::to_string(h.to_generation)
              : stream_not_applicable(ctx, st, h);
  auto& f = ctx.report().fields;
  f["input"] = name;
  report_stream_fields(ctx.report(), h, t);
  f["volume_bytes"] = h.volume_bytes;
  f["block_size"] = h.block_size;
  f["fstype"] = h.fstype;
  f["applies"] = why.empty();
  f["already_applied"] = applied;
  f["why_not"] = why.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(why);
  auto& out = ctx.out();
  std::string what = describe_stream(h);
  what[0] = static_cast<char>(std::toupper(what[0]));
  out << "Stream " << name << ": intact (every hash matches). " << what << ": "
      << base::format_bytes(t.data_bytes) << " in " << t.extents << " extents, volume "
      << base::format_bytes(h.volume_bytes) << ", blocks of " << base::format_bytes(h.block_size)
      << ".\n";
  if (!why.empty()) {
    out << "It does not apply to this host: " << why << ".\n";
  } else if (h.full) {
    out << "It applies to this host: it initialises a new pair (receive it with --virgin, "
           "--scratch, --ramdisk and --mount-point"
        << (st ? ", replacing this host's pair" : "") << ").\n";
  } else {
    out << "It applies to this host.\n";
  }
}

}  // namespace

void cmd_receive(Context& ctx, const ReceiveOptions& opts) {
  if (opts.dry_run) return dry_run(ctx, opts);
  ctx.require_root();
  // The stream comes on stdin: the confirmation has no other input to read.
  if (opts.input.from_stdin() && !ctx.options().yes && !opts.finish) {
    throw std::runtime_error(
        "receive reads the stream from stdin, so it cannot ask before overwriting volumes: give "
        "-y, or the stream as -i FILE.");
  }
  auto lock = ctx.lock();
  settle_interrupted_receive(ctx, opts.verify);
  if (opts.finish) return;
  StreamInput input(opts.input);
  StepTimer timer(ctx.report(), "read header");
  stream::StreamReader reader(input.source());
  timer.stop();
  ctx.report().fields["input"] = input.name();
  if (reader.header().full) {
    receive_full(ctx, opts, reader, input.name());
  } else {
    receive_incremental(ctx, opts, reader, input.name());
  }
}

}  // namespace schelk
