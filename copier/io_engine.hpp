// The I/O engine seam: one engine per worker thread, with a small file table (0 = source,
// 1 = destination) and a fixed set of buffers registered up front. Implementations: io_uring
// (uring_engine), pread/pwrite (sync_engine), and a scriptable fake in the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace copier {

enum class IoOp : std::uint8_t { kRead, kWrite };

struct IoRequest {
  IoOp op = IoOp::kRead;
  unsigned file = 0;         // index into EngineSetup::fds
  std::uint64_t offset = 0;  // bytes
  std::byte* buf = nullptr;  // inside EngineSetup::buffers[buf_index]
  std::uint32_t length = 0;
  unsigned buf_index = 0;
  std::uint64_t tag = 0;  // returned in the completion
};

struct Completion {
  std::uint64_t tag = 0;
  int res = 0;  // bytes transferred, or -errno (the liburing convention)
  friend bool operator==(const Completion&, const Completion&) = default;
};

struct EngineSetup {
  std::vector<int> fds;
  std::vector<std::span<std::byte>> buffers;
  unsigned depth = 1;  // the caller never has more requests outstanding than this
};

class IoEngine {
 public:
  virtual ~IoEngine() = default;
  // Queues a request; does not block. Handed to the kernel by the next wait().
  virtual void submit(const IoRequest& request) = 0;
  // Issues queued requests and blocks until at least one completes (REQUIRES: some outstanding);
  // appends every completion available to `out`.
  virtual void wait(std::vector<Completion>& out) = 0;
};

// kAuto only asks make_engine_factory to choose; a factory's kind() is kUring or kSync.
enum class EngineKind { kAuto, kUring, kSync };

class EngineFactory {
 public:
  virtual ~EngineFactory() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;  // for reports: "io_uring", "sync"
  // How the copier plans for the engine: kSync engines do one request per wait(), so their
  // parallelism comes from threads; kUring engines from queue depth.
  [[nodiscard]] virtual EngineKind kind() const = 0;
  // Called on the worker thread that will use the engine. Throws std::system_error.
  [[nodiscard]] virtual std::unique_ptr<IoEngine> create(const EngineSetup& setup) = 0;
};

// kAuto: io_uring when the kernel allows it (not ENOSYS/EPERM), else pread/pwrite.
[[nodiscard]] std::unique_ptr<EngineFactory> make_engine_factory(EngineKind kind);

}  // namespace copier
