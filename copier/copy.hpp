// Parallel block copy between two devices at the same offsets: worker threads, each with its own
// I/O engine (io_uring by default), pull extents from a shared cursor so none idles while work is
// left; the destination is fdatasync'ed before success is reported.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "copier/device.hpp"
#include "copier/errors.hpp"
#include "copier/extent.hpp"
#include "copier/io_engine.hpp"
#include "copier/verify.hpp"

namespace copier {

struct Progress {
  std::uint64_t done_bytes = 0;
  std::uint64_t total_bytes = 0;
  enum class Phase { kCopy, kVerify } phase = Phase::kCopy;
};

// Caps on CopyOptions::threads and queue_depth (larger values are lowered to these): more
// threads only add scheduling delay, and io_uring refuses rings over 32768 entries (a compare
// slot takes two).
inline constexpr unsigned kMaxThreads = 256;
inline constexpr unsigned kMaxQueueDepth = 16384;

struct CopyOptions {
  unsigned threads = 0;            // 0: default from the machine; at most kMaxThreads
  unsigned queue_depth = 0;        // per thread; 0: default from the I/O size; <= kMaxQueueDepth
  std::uint64_t max_io_bytes = 0;  // 0: 1 MiB
  bool verify = false;             // re-read both sides after copying and compare
  // Differences are reported in units of this many bytes (0: 4096); the caller's block size,
  // so a 512-byte difference is not reported as 4 KiB.
  std::uint64_t mismatch_granule = 0;
  EngineKind engine = EngineKind::kAuto;
  // Called on the calling thread about every 100 ms and once at the end (per phase).
  std::function<void(const Progress&)> on_progress;
  // Asked from the worker threads before each new extent of the copy (not the verification; must be
  // thread-safe and cheap); true: start nothing more, drain what is in flight, sync the
  // destination, throw CopyCancelled.
  std::function<bool()> should_stop;
  // Tests: an engine factory to use instead of `engine` (not owned).
  EngineFactory* engine_factory = nullptr;
};

struct CopyResult {
  std::uint64_t bytes = 0;
  std::uint64_t extents = 0;  // I/O units after planning
  double seconds = 0;         // copy, sync and verification
  double copy_seconds = 0;    // copy and sync only (verify->seconds is the verification's)
  unsigned threads = 0;
  unsigned queue_depth = 0;
  std::string engine;
  std::optional<VerifyResult> verify;
};

// Copies the extents (bytes; any order, may overlap) from src to dst, then fdatasync(dst).
// Refuses, before any I/O, a range beyond either device's end, a range that does not cover whole
// direct-I/O units (it would overwrite the bytes around it) and src == dst. Throws CopyError
// (message names the byte range, device and errno) after all in-flight I/O drained; throws
// CopyCancelled (after the drain and the fdatasync) when options.should_stop said so.
[[nodiscard]] CopyResult copy_extents(const Device& src, const Device& dst,
                                      std::vector<Extent> extents, const CopyOptions& options);

// The whole device as one extent.
[[nodiscard]] std::vector<Extent> whole_device(const Device& device);

}  // namespace copier
