// The worker pool behind copy_extents and compare_extents: threads with one engine each, a shared
// atomic cursor over planned extents, a bounded number of slots per thread, every completion
// classified by classify_completion, and a full drain of in-flight I/O before returning.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "copier/extent.hpp"
#include "copier/io_engine.hpp"

namespace copier {

// Starts a thread running `body` (a seam: tests make it fail). Throws std::system_error when no
// thread can be started, as std::thread does.
using ThreadStarter = std::function<std::thread(std::function<void()> body)>;

struct TransferConfig {
  enum class Mode { kCopy, kCompare } mode = Mode::kCopy;
  int fds[2] = {-1, -1};  // copy: source, destination; compare: a, b
  std::string paths[2];   // for messages
  unsigned threads = 1;
  unsigned depth = 1;            // slots per thread
  std::uint64_t slot_bytes = 0;  // >= the largest planned extent
  std::uint64_t mismatch_granule = 4096;
  bool register_buffers = true;  // io_uring fixed buffers (see Worker::run)
  EngineFactory* factory = nullptr;
  std::function<void(std::uint64_t done_bytes)> on_progress;  // caller's thread, ~100 ms
  ThreadStarter start_thread;                                 // empty: std::thread
  // Asked (from the workers) before each new extent is started; true: start nothing more.
  std::function<bool()> should_stop;
};

struct TransferResult {
  std::uint64_t bytes = 0;
  std::vector<Extent> mismatches;  // compare mode
};

// REQUIRES: extents planned (aligned, each at most slot_bytes). When should_stop says so, starts
// no further extent, lets the in-flight ones complete and throws CopyCancelled. Throws CopyError on
// the first failed I/O (after draining) or the exception a worker raised (engine setup); when a
// worker thread cannot be started, stops and joins the started ones and throws std::system_error
// ("cannot start copier thread N of M: ...").
[[nodiscard]] TransferResult run_transfer(const TransferConfig& config,
                                          const std::vector<Extent>& extents);

}  // namespace copier
