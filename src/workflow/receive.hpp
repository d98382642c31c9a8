// receive --dry-run: reads a schelk stream (stdin or -i FILE) to its end, checking every hash,
// and says whether it applies to this host's pair (the same baseline id, the stream's from
// generation equal to ours, the same volume and block size); writes nothing. Applying a stream
// (writing scratch, then virgin under a journal) is not in this version.
#pragma once

#include <optional>
#include <string>

#include "src/workflow/context.hpp"

namespace schelk {

struct ReceiveOptions {
  std::optional<std::string> input;  // a file; stdin when absent
  bool dry_run = false;
};

void cmd_receive(Context& ctx, const ReceiveOptions& opts);

}  // namespace schelk
