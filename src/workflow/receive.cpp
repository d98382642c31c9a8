#include "src/workflow/receive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

#include "base/errno.hpp"
#include "base/format.hpp"
#include "base/unique_fd.hpp"
#include "src/state/state.hpp"
#include "src/stream/stream_reader.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

// Why the stream does not apply to this pair, or empty when it does.
std::string not_applicable(Context& ctx, const stream::StreamHeader& h) {
  const auto st = load_state(ctx.options().state_path);
  const std::string id = baseline_id_text(h.baseline_id);
  if (!st) {
    return h.full ? "" : "this host has no schelk pair; an incremental stream needs one";
  }
  if (h.full) return "this host already has a pair (a full stream initialises a new one)";
  if (st->baseline_id != id) {
    return "its baseline " + id + " is not this pair's (" + st->baseline_id.value_or("none") + ")";
  }
  if (h.from_generation != st->generation) {
    return "it starts at generation " + std::to_string(h.from_generation) +
           ", this pair is at generation " + std::to_string(st->generation) +
           (h.from_generation < st->generation ? "" : " (send from an older generation or --full)");
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

}  // namespace

void cmd_receive(Context& ctx, const ReceiveOptions& opts) {
  if (!opts.dry_run) {
    throw std::runtime_error(
        "receive applies streams in a later version; this one checks them: schelk receive "
        "--dry-run [-i FILE]");
  }
  StreamInput input(opts.input);
  const std::string name = input.name();
  StepTimer timer(ctx.report(), "check stream");
  stream::StreamReader reader(input.source());
  const auto h = reader.header();
  while (reader.next()) {
  }
  timer.stop();
  const auto& t = reader.totals();
  const std::string why = not_applicable(ctx, h);
  auto& f = ctx.report().fields;
  f["input"] = name;
  f["baseline_id"] = baseline_id_text(h.baseline_id);
  f["full"] = h.full;
  f["from_generation"] = h.from_generation;
  f["to_generation"] = h.to_generation;
  f["volume_bytes"] = h.volume_bytes;
  f["block_size"] = h.block_size;
  f["fstype"] = h.fstype;
  f["extents"] = t.extents;
  f["data_bytes"] = t.data_bytes;
  f["stream_bytes"] = t.stream_bytes;
  f["applies"] = why.empty();
  f["why_not"] = why.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(why);
  auto& out = ctx.out();
  out << "Stream " << name << ": intact (every hash matches). "
      << (h.full ? "The whole baseline " : "Changes of baseline ")
      << baseline_id_text(h.baseline_id) << " "
      << (h.full ? "at generation " + std::to_string(h.to_generation)
                 : "from generation " + std::to_string(h.from_generation) + " to " +
                       std::to_string(h.to_generation))
      << ": " << base::format_bytes(t.data_bytes) << " in " << t.extents << " extents, volume "
      << base::format_bytes(h.volume_bytes) << ", blocks of " << base::format_bytes(h.block_size)
      << ".\n";
  out << (why.empty() ? "It applies to this host." : "It does not apply to this host: " + why + ".")
      << "\n";
}

}  // namespace schelk
