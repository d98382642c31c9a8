// send: the baseline (virgin) as a schelk stream (doc/stream-format.md), whole (--full) or the
// blocks promotes changed since a generation (--from-generation G: the union of those promotes'
// written sets, kept in the run history), to stdout or -o FILE. Holds the state lock shared and
// only reads virgin.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "src/state/journal.hpp"
#include "src/state/state.hpp"
#include "src/workflow/context.hpp"
#include "src/workflow/stream_io.hpp"

namespace schelk {

struct SendOptions {
  bool full = false;
  std::optional<uint64_t> from_generation;
  StreamOutputOptions output;
  int zstd_level = 1;  // 0 = off
  bool json = false;
};

// The blocks that changed on virgin from generation `from` to `st.generation`: the union of the
// written sets of the promotes of this baseline that made generations from+1 .. st.generation.
// Throws std::runtime_error naming a generation the history no longer keeps (send --full then).
std::vector<BlockRange> generation_delta(const std::filesystem::path& history_dir, const State& st,
                                         uint64_t from);

void cmd_send(Context& ctx, const SendOptions& opts);

}  // namespace schelk
