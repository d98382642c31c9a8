// The parts of `schelk receive` (receive.hpp says what it does), one file each: the dispatch and
// --dry-run (receive.cpp), a full stream (receive_full.cpp), an incremental one and the
// interrupted receive left by a kill (receive_incremental.cpp).
#pragma once

#include <optional>
#include <string>

#include "src/state/receive_log.hpp"
#include "src/state/state.hpp"
#include "src/stream/stream_reader.hpp"
#include "src/workflow/context.hpp"
#include "src/workflow/receive.hpp"

namespace schelk {

// Why an incremental stream does not apply to the pair `st` (none: this host has no pair), or
// empty when it does. A full stream applies to a host without a pair.
std::string stream_not_applicable(Context& ctx, const std::optional<State>& st,
                                  const stream::StreamHeader& h);

// True when the pair `st` already holds what the incremental stream makes (same baseline, its
// to-generation, the sender's superblock): receiving it again changes nothing.
bool stream_already_applied(const std::optional<State>& st, const stream::StreamHeader& h);

// Under the lock, before anything else: an incremental receive a kill interrupted is rolled back
// (stage 1: scratch copied back from virgin) or finished (stage 2).
void settle_interrupted_receive(Context& ctx, bool verify);

void receive_full(Context& ctx, const ReceiveOptions& opts, stream::StreamReader& reader,
                  const std::string& input);
void receive_incremental(Context& ctx, const ReceiveOptions& opts, stream::StreamReader& reader,
                         const std::string& input);

// Reads the next extent, first honouring an interrupt (SIGINT/SIGTERM): throws base::Interrupted
// with `message`.
std::optional<stream::StreamExtent> next_extent(stream::StreamReader& reader,
                                                const std::string& message);

}  // namespace schelk
