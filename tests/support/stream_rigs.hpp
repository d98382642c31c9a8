// Test helpers for send/receive: a promote of given blocks on a Rig (recorded in its history as
// the CLI does, so send --from-generation finds it), and a send to a file.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "src/workflow/send.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

namespace schelk::test {

// Writes `fill` over the blocks `written` of scratch while mounted, then promotes them.
inline void promote_blocks(Rig& rig, std::vector<BlockRange> written, char fill) {
  auto mount = rig.context();
  cmd_mount(mount);
  {
    std::fstream f(rig.scratch, std::ios::in | std::ios::out | std::ios::binary);
    for (const auto& r : written) {
      f.seekp(static_cast<std::streamoff>(r.begin * 4096));
      const std::string bytes((r.end - r.begin) * 4096, fill);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  }
  rig.reader.written = std::move(written);
  auto ctx = rig.context();
  ctx.report().command = "promote";
  cmd_promote(ctx, {});
  record_run(ctx, unix_now_ms(), "schelk test");
}

// send --full (no from) or --from-generation `from` of `rig` into `path`.
inline void send_to(Rig& rig, const std::string& path, std::optional<uint64_t> from,
                    int zstd_level = 1) {
  SendOptions o;
  o.full = !from;
  o.from_generation = from;
  o.output.file = path;
  o.zstd_level = zstd_level;
  auto ctx = rig.context();
  cmd_send(ctx, o);
}

}  // namespace schelk::test
