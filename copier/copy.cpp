// copy_extents and compare_extents: planning, safety checks, defaults, then run_transfer.
#include "copier/copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "base/errno.hpp"
#include "copier/transfer.hpp"

namespace copier {
namespace {

// Defaults, measured against fio on the project's 2-core VM (tests/bench/copy_bench.sh): one
// io_uring thread keeping 128 small or 32 1-MiB I/Os in flight matched fio; more threads only
// added scheduling delay there. Bigger machines get a thread per 4 cores (at most 4), so that
// submission and hashing keep up with NVMe rates. pread/pwrite gets its parallelism from threads.
constexpr std::uint64_t kDefaultMaxIo = 1 << 20;
constexpr std::uint64_t kBufferBudget = 32ull << 20;  // threads * depth * I/O size
constexpr unsigned kMinTotalDepth = 4;
constexpr unsigned kMaxTotalDepth = 128;
constexpr unsigned kMaxUringThreads = 4;
constexpr unsigned kSyncThreads = 8;
// Register (pin) buffers only when a thread moves at least this many times its buffer memory.
constexpr std::uint64_t kRegisterFactor = 8;

std::uint32_t alignment_of(const Device& d) { return d.direct_io ? d.logical_block_size : 1; }

// Everything about a run that does not depend on its direction.
struct Plan {
  std::vector<Extent> extents;
  std::uint64_t total = 0;
  unsigned threads = 1;
  unsigned depth = 1;
  std::uint64_t slot_bytes = 0;
  std::uint64_t granule = 4096;
};

void check_within(const Device& d, const std::vector<Extent>& extents) {
  for (const auto& e : extents) {
    if (e.offset + e.length < e.offset || e.end() > d.size_bytes) {
      throw CopyError(describe_range(e) + " lies beyond the end of " + d.path + " (" +
                          std::to_string(d.size_bytes) + " bytes)",
                      e, 0);
    }
  }
}

// A copy writes whole alignment units: a listed range that does not cover whole units would
// take the bytes around it along (D6: "sector 1" of a file copied sectors 0-7).
void check_aligned(const Device& a, const Device& b, const std::vector<Extent>& extents) {
  const Device& d = alignment_of(b) >= alignment_of(a) ? b : a;  // b: the one written
  const std::uint64_t align = alignment_of(d);
  for (const auto& e : extents) {
    if (e.offset % align == 0 && e.length % align == 0) continue;
    throw CopyError(describe_range(e) + " is not aligned to " + std::to_string(align) +
                        " bytes, the direct-I/O unit of " + d.path +
                        ": copying it would also overwrite the bytes around it; list whole " +
                        std::to_string(align) + "-byte blocks",
                    e, 0);
  }
}

Plan make_plan(const Device& a, const Device& b, std::vector<Extent> extents,
               const CopyOptions& options, bool sync_engine, bool writes) {
  // Refuse before planning: widening to the alignment must not hide a range past the end.
  check_within(a, extents);
  check_within(b, extents);
  if (writes) check_aligned(a, b, extents);
  const std::uint64_t align = std::max({alignment_of(a), alignment_of(b), 1u});
  std::uint64_t max_io = options.max_io_bytes ? options.max_io_bytes : kDefaultMaxIo;
  max_io = std::max(align, max_io / align * align);
  max_io = std::min<std::uint64_t>(max_io, 1u << 30);  // a completion's result is an int

  Plan plan;
  plan.extents = plan_extents(std::move(extents), align, max_io);
  check_within(a, plan.extents);
  check_within(b, plan.extents);
  plan.total = total_bytes(plan.extents);
  std::uint64_t largest = align;
  for (const auto& e : plan.extents) largest = std::max(largest, e.length);
  plan.slot_bytes = largest;

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  if (options.threads) {
    plan.threads = std::min(options.threads, kMaxThreads);
  } else {
    plan.threads = sync_engine ? kSyncThreads : std::clamp(hw / 4, 1u, kMaxUringThreads);
  }
  if (options.queue_depth) {
    plan.depth = std::min(options.queue_depth, kMaxQueueDepth);
  } else if (sync_engine) {
    plan.depth = 1;  // one request at a time per thread anyway
  } else {
    std::uint64_t total =
        std::clamp<std::uint64_t>(kBufferBudget / plan.slot_bytes, kMinTotalDepth, kMaxTotalDepth);
    // Never more than the devices' request queues hold (nr_requests), when they say.
    for (const Device* d : {&a, &b}) {
      if (d->queue_depth_hint >= kMinTotalDepth)
        total = std::min<std::uint64_t>(total, d->queue_depth_hint);
    }
    plan.depth = static_cast<unsigned>(std::max<std::uint64_t>(1, total / plan.threads));
  }
  // Don't allocate slots that can never be busy.
  const std::uint64_t per_thread = (plan.extents.size() + plan.threads - 1) / plan.threads;
  plan.depth = static_cast<unsigned>(std::clamp<std::uint64_t>(per_thread, 1, plan.depth));
  plan.granule = options.mismatch_granule ? options.mismatch_granule : 4096;
  return plan;
}

TransferConfig make_config(TransferConfig::Mode mode, const Device& a, const Device& b,
                           const Plan& plan, EngineFactory* factory) {
  TransferConfig cfg;
  cfg.mode = mode;
  cfg.fds[0] = a.fd();
  cfg.fds[1] = b.fd();
  cfg.paths[0] = a.path;
  cfg.paths[1] = b.path;
  cfg.threads = plan.threads;
  cfg.depth = plan.depth;
  cfg.slot_bytes = plan.slot_bytes;
  cfg.mismatch_granule = plan.granule;
  cfg.factory = factory;
  const std::uint64_t legs = mode == TransferConfig::Mode::kCompare ? 2 : 1;
  const std::uint64_t buffer_bytes = plan.slot_bytes * plan.depth * legs;
  cfg.register_buffers = plan.total * legs / plan.threads >= kRegisterFactor * buffer_bytes;
  return cfg;
}

std::function<void(std::uint64_t)> forward_progress(const CopyOptions& options, std::uint64_t total,
                                                    Progress::Phase phase) {
  if (!options.on_progress) return {};
  return [&options, total, phase](std::uint64_t done) {
    options.on_progress(Progress{done, total, phase});
  };
}

unsigned threads_used(const Plan& plan) {
  return static_cast<unsigned>(
      std::min<std::uint64_t>(plan.threads, std::max<std::size_t>(1, plan.extents.size())));
}

// Buffered devices would answer a re-read from the page cache: drop their cached pages first.
void drop_cache(const Device& d) {
  if (!d.direct_io) ::posix_fadvise(d.fd(), 0, 0, POSIX_FADV_DONTNEED);
}

void sync_destination(const Device& dst) {
  if (::fdatasync(dst.fd()) != 0) {
    const int err = errno;
    throw CopyError("fdatasync of " + dst.path + " failed: " + base::errno_text(err) +
                        "; the copy is not durable",
                    {}, err);
  }
}

struct Factory {
  std::unique_ptr<EngineFactory> owned;
  EngineFactory* get = nullptr;
  [[nodiscard]] bool is_sync() const { return get->kind() == EngineKind::kSync; }
};

Factory factory_for(const CopyOptions& options) {
  Factory f;
  if (options.engine_factory != nullptr) {
    f.get = options.engine_factory;
  } else {
    f.owned = make_engine_factory(options.engine);
    f.get = f.owned.get();
  }
  return f;
}

VerifyResult compare_planned(const Device& a, const Device& b, const Plan& plan,
                             EngineFactory* factory, const CopyOptions& options) {
  drop_cache(a);
  drop_cache(b);
  const auto start = std::chrono::steady_clock::now();
  TransferConfig cfg = make_config(TransferConfig::Mode::kCompare, a, b, plan, factory);
  cfg.on_progress = forward_progress(options, plan.total, Progress::Phase::kVerify);
  TransferResult r = run_transfer(cfg, plan.extents);
  VerifyResult v;
  v.bytes_compared = r.bytes;
  v.mismatches = std::move(r.mismatches);
  v.extents = plan.extents.size();
  v.threads = threads_used(plan);
  v.engine = std::string(factory->name());
  v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return v;
}

}  // namespace

std::vector<Extent> whole_device(const Device& device) {
  if (device.size_bytes == 0) return {};
  return {Extent{0, device.size_bytes}};
}

CopyResult copy_extents(const Device& src, const Device& dst, std::vector<Extent> extents,
                        const CopyOptions& options) {
  if (same_device(src, dst)) {
    throw CopyError(
        "refusing to copy " + src.path + " onto itself (" + dst.path + " is the same device)", {},
        0);
  }
  const auto start = std::chrono::steady_clock::now();
  Factory factory = factory_for(options);
  const Plan plan = make_plan(src, dst, std::move(extents), options, factory.is_sync(), true);

  TransferConfig cfg = make_config(TransferConfig::Mode::kCopy, src, dst, plan, factory.get);
  cfg.on_progress = forward_progress(options, plan.total, Progress::Phase::kCopy);
  cfg.should_stop = options.should_stop;
  TransferResult copied;
  try {
    copied = run_transfer(cfg, plan.extents);
  } catch (const CopyCancelled&) {
    // What was written stays written: make it durable before reporting the stop.
    sync_destination(dst);
    throw;
  }
  sync_destination(dst);

  CopyResult result;
  result.bytes = copied.bytes;
  result.extents = plan.extents.size();
  result.threads = threads_used(plan);
  result.queue_depth = plan.depth;
  result.engine = std::string(factory.get->name());
  result.copy_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.verify) result.verify = compare_planned(src, dst, plan, factory.get, options);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

VerifyResult compare_extents(const Device& a, const Device& b, std::vector<Extent> extents,
                             const CopyOptions& options) {
  Factory factory = factory_for(options);
  const Plan plan = make_plan(a, b, std::move(extents), options, factory.is_sync(), false);
  return compare_planned(a, b, plan, factory.get, options);
}

}  // namespace copier
