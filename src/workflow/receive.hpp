// receive: applies a schelk stream (doc/stream-format.md) from stdin or -i FILE.
// - A full stream initialises a new pair (the checks of init-from, --virgin/--scratch/--ramdisk/
//   --mount-point): virgin is written from the stream, the same blocks copied to scratch, and a
//   state saved with the sender's baseline id and generation.
// - An incremental stream applies only to an unmounted, clean pair of the same baseline whose
//   generation is the stream's from-generation. Stage 1 writes scratch (equal to virgin while
//   clean) as the stream's checked extents arrive, logging each batch's blocks before writing them
//   (<state>.receive); a stream that turns out bad rolls scratch back from virgin. Stage 2, once
//   the whole stream checked, copies the blocks scratch -> virgin as promote does. A kill at any
//   point: the next receive rolls stage 1 back, or finishes stage 2. Virgin is never half updated
//   by a bad stream.
// - --dry-run reads the stream to its end, checking every hash, and says whether it applies.
#pragma once

#include <optional>
#include <string>

#include "src/workflow/context.hpp"
#include "src/workflow/stream_io.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

struct ReceiveOptions {
  StreamInputOptions input;
  bool dry_run = false;
  bool verify = false;  // the copies of the stream's blocks are read back and compared
  bool finish = false;  // only settle an interrupted receive; read no stream
  // A full stream: the new pair (granularity and fstype come from the stream).
  std::optional<InitOptions> init;
};

void cmd_receive(Context& ctx, const ReceiveOptions& opts);

}  // namespace schelk
