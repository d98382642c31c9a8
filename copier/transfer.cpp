// The worker pool; see transfer.hpp.
#include "copier/transfer.hpp"

#include <xxh3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "base/aligned_buffer.hpp"
#include "base/errno.hpp"
#include "copier/completion.hpp"
#include "copier/errors.hpp"

namespace copier {

namespace {

// State shared by the workers of one run.
struct Shared {
  Shared(const TransferConfig& c, const std::vector<Extent>& e) : config(c), extents(e) {}
  const TransferConfig& config;
  const std::vector<Extent>& extents;
  std::atomic<std::size_t> cursor{0};
  std::atomic<bool> abort{false};
  std::atomic<std::uint64_t> done_bytes{0};
  std::atomic<bool> cancelled{false};

  std::mutex mu;
  std::condition_variable finished_cv;
  unsigned running = 0;
  std::optional<CopyError> error;  // the first failed I/O
  std::exception_ptr exception;    // anything else a worker threw
  std::vector<Extent> mismatches;

  void fail(CopyError e) {
    std::lock_guard lock(mu);
    if (!error && !exception) error.emplace(std::move(e));
    abort = true;
  }
};

class Worker {
 public:
  explicit Worker(Shared& shared) : shared_(shared), cfg_(shared.config) {}

  void run() {
    const bool compare = cfg_.mode == TransferConfig::Mode::kCompare;
    const unsigned legs = compare ? 2 : 1;  // copy reads into and writes from one buffer
    const std::size_t bytes = static_cast<std::size_t>(cfg_.slot_bytes) * cfg_.depth * legs;
    buffer_ = base::AlignedBuffer(bytes);
    EngineSetup setup;
    setup.fds = {cfg_.fds[0], cfg_.fds[1]};
    setup.depth = cfg_.depth * legs;
    slots_.resize(cfg_.depth);
    for (unsigned s = 0; s < cfg_.depth; ++s) {
      for (unsigned l = 0; l < legs; ++l) {
        const unsigned index = s * legs + l;
        std::byte* p = buffer_.data() + static_cast<std::size_t>(index) * cfg_.slot_bytes;
        setup.buffers.emplace_back(p, cfg_.slot_bytes);
        slots_[s].legs[l].buf = p;
        slots_[s].legs[l].buf_index = index;
      }
    }
    // Registering pins every buffer page up front, before the first I/O; that pays off only
    // when the run moves several times more data than the buffers hold (measured on small
    // scattered copies: setup then took longer than the copy).
    if (!cfg_.register_buffers) setup.buffers.clear();
    engine_ = cfg_.factory->create(setup);

    for (unsigned s = 0; s < cfg_.depth; ++s) {
      if (!start_next(s)) break;
    }
    std::vector<Completion> completions;
    while (in_flight_ > 0) {
      completions.clear();
      engine_->wait(completions);
      for (const auto& c : completions) on_completion(c);
    }
    if (!mismatches_.empty()) {
      std::lock_guard lock(shared_.mu);
      shared_.mismatches.insert(shared_.mismatches.end(), mismatches_.begin(), mismatches_.end());
    }
  }

 private:
  struct Leg {
    IoOp op = IoOp::kRead;
    unsigned file = 0;
    std::uint32_t done = 0;
    unsigned retries = 0;
    bool in_flight = false;
    std::byte* buf = nullptr;
    unsigned buf_index = 0;
  };
  struct Slot {
    Extent extent;
    Leg legs[2];
    unsigned pending = 0;  // legs not yet complete
    bool failed = false;
  };

  bool start_next(unsigned s) {
    if (shared_.abort.load(std::memory_order_relaxed)) return false;
    if (cancel_requested()) return false;
    const std::size_t i = shared_.cursor.fetch_add(1, std::memory_order_relaxed);
    if (i >= shared_.extents.size()) return false;
    Slot& slot = slots_[s];
    slot.extent = shared_.extents[i];
    slot.failed = false;
    const bool compare = cfg_.mode == TransferConfig::Mode::kCompare;
    slot.pending = compare ? 2 : 1;
    for (unsigned l = 0; l < slot.pending; ++l) {
      Leg& leg = slot.legs[l];
      leg.op = IoOp::kRead;
      leg.file = l;
      leg.done = 0;
      leg.retries = 0;
      issue(s, l);
    }
    return true;
  }

  // Once raised, stays raised for every worker, so no extent is started after it.
  bool cancel_requested() {
    if (shared_.cancelled.load(std::memory_order_relaxed)) return true;
    if (!cfg_.should_stop ||
        shared_.cursor.load(std::memory_order_relaxed) >= shared_.extents.size())
      return false;
    if (!cfg_.should_stop()) return false;
    shared_.cancelled = true;
    return true;
  }

  void issue(unsigned s, unsigned l) {
    Slot& slot = slots_[s];
    Leg& leg = slot.legs[l];
    IoRequest r;
    r.op = leg.op;
    r.file = leg.file;
    r.offset = slot.extent.offset + leg.done;
    r.buf = leg.buf + leg.done;
    r.length = static_cast<std::uint32_t>(slot.extent.length) - leg.done;
    r.buf_index = leg.buf_index;
    r.tag = s * 2 + l;
    leg.in_flight = true;
    ++in_flight_;
    engine_->submit(r);
  }

  void on_completion(const Completion& c) {
    const auto s = static_cast<unsigned>(c.tag / 2);
    const auto l = static_cast<unsigned>(c.tag % 2);
    Slot& slot = slots_.at(s);
    Leg& leg = slot.legs[l];
    leg.in_flight = false;
    --in_flight_;
    const auto remaining = static_cast<std::uint32_t>(slot.extent.length) - leg.done;
    const bool aborting = shared_.abort.load(std::memory_order_relaxed);
    switch (classify_completion(c.res, remaining)) {
      case Outcome::kComplete:
        leg.done += remaining;
        leg_complete(s, l);
        return;
      case Outcome::kShort:
        leg.done += static_cast<std::uint32_t>(c.res);
        leg.retries = 0;
        if (aborting) return abandon(s);
        return issue(s, l);
      case Outcome::kRetry:
        if (++leg.retries <= kMaxRetries) {
          if (aborting) return abandon(s);
          return issue(s, l);
        }
        return fail(s, l, -c.res);
      case Outcome::kEndOfDevice:
        return fail(s, l, 0);
      case Outcome::kFailed:
        return fail(s, l, c.res < 0 ? -c.res : EIO);
    }
  }

  void fail(unsigned s, unsigned l, int err) {
    Slot& slot = slots_[s];
    const Leg& leg = slot.legs[l];
    const Extent range{slot.extent.offset + leg.done, slot.extent.length - leg.done};
    const char* verb = leg.op == IoOp::kRead ? "read of " : "write of ";
    std::string message = std::string(verb) + describe_range(range) +
                          (leg.op == IoOp::kRead ? " from " : " to ") + cfg_.paths[leg.file];
    message += err == 0 ? " failed: unexpected end of device" : " failed: " + base::errno_text(err);
    shared_.fail(CopyError(message, range, err));
    abandon(s);
  }

  // The slot gives up its extent; it is reused once no leg of it is in flight.
  void abandon(unsigned s) {
    Slot& slot = slots_[s];
    slot.failed = true;
    if (--slot.pending == 0) start_next(s);
  }

  void leg_complete(unsigned s, unsigned l) {
    Slot& slot = slots_[s];
    Leg& leg = slot.legs[l];
    if (cfg_.mode == TransferConfig::Mode::kCopy) {
      if (leg.op == IoOp::kRead) {
        if (shared_.abort.load(std::memory_order_relaxed)) return abandon(s);
        leg.op = IoOp::kWrite;
        leg.file = 1;
        leg.done = 0;
        leg.retries = 0;
        return issue(s, l);
      }
      shared_.done_bytes.fetch_add(slot.extent.length, std::memory_order_relaxed);
      slot.pending = 0;
      start_next(s);
      return;
    }
    if (--slot.pending > 0) return;
    if (!slot.failed) {
      compare_slot(slot);
      shared_.done_bytes.fetch_add(slot.extent.length, std::memory_order_relaxed);
    }
    start_next(s);
  }

  void compare_slot(const Slot& slot) {
    const std::size_t n = slot.extent.length;
    const std::byte* a = slot.legs[0].buf;
    const std::byte* b = slot.legs[1].buf;
    const XXH128_hash_t ha = XXH3_128bits(a, n);
    const XXH128_hash_t hb = XXH3_128bits(b, n);
    if (XXH128_isEqual(ha, hb)) return;
    // Narrow the difference to granules, so the report names what differs, not 1 MiB around it.
    const std::size_t g = cfg_.mismatch_granule;
    for (std::size_t at = 0; at < n; at += g) {
      const std::size_t len = std::min(g, n - at);
      if (std::memcmp(a + at, b + at, len) == 0) continue;
      const Extent e{slot.extent.offset + at, len};
      if (!mismatches_.empty() && mismatches_.back().end() == e.offset) {
        mismatches_.back().length += len;
      } else {
        mismatches_.push_back(e);
      }
    }
  }

  Shared& shared_;
  const TransferConfig& cfg_;
  base::AlignedBuffer buffer_;
  std::unique_ptr<IoEngine> engine_;
  std::vector<Slot> slots_;
  unsigned in_flight_ = 0;
  std::vector<Extent> mismatches_;
};

}  // namespace

TransferResult run_transfer(const TransferConfig& config, const std::vector<Extent>& extents) {
  TransferResult result;
  if (extents.empty()) return result;
  Shared shared(config, extents);
  const auto threads = static_cast<unsigned>(
      std::max<std::size_t>(1, std::min<std::size_t>(config.threads, extents.size())));
  const ThreadStarter start =
      config.start_thread ? config.start_thread
                          : [](std::function<void()> body) { return std::thread(std::move(body)); };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  std::exception_ptr start_failure;
  for (unsigned t = 0; t < threads; ++t) {
    {
      std::lock_guard lock(shared.mu);
      ++shared.running;
    }
    try {
      pool.push_back(start([&shared] {
        try {
          Worker(shared).run();
        } catch (...) {
          // A worker's setup or engine failed: stop the others and hand it to the caller.
          std::lock_guard lock(shared.mu);
          if (!shared.exception && !shared.error) shared.exception = std::current_exception();
          shared.abort = true;
        }
        std::lock_guard lock(shared.mu);
        if (--shared.running == 0) shared.finished_cv.notify_all();
      }));
    } catch (const std::system_error& e) {
      // The system is out of threads (EAGAIN) or memory: stop the started workers, wait for
      // their in-flight I/O, then report (a std::thread left joinable would terminate us).
      start_failure = std::make_exception_ptr(
          std::system_error(e.code(), "cannot start copier thread " + std::to_string(t + 1) +
                                          " of " + std::to_string(threads)));
    } catch (...) {
      start_failure = std::current_exception();
    }
    if (start_failure) {
      std::lock_guard lock(shared.mu);
      --shared.running;
      shared.abort = true;
      break;
    }
  }
  {
    std::unique_lock lock(shared.mu);
    while (shared.running > 0) {
      shared.finished_cv.wait_for(lock, std::chrono::milliseconds(100));
      if (config.on_progress && shared.running > 0) {
        lock.unlock();
        config.on_progress(shared.done_bytes.load());
        lock.lock();
      }
    }
  }
  for (auto& t : pool) t.join();
  if (start_failure) std::rethrow_exception(start_failure);
  if (shared.exception) std::rethrow_exception(shared.exception);
  if (shared.error) throw *shared.error;
  if (shared.cancelled) {
    std::uint64_t total = 0;
    for (const auto& e : extents) total += e.length;
    throw CopyCancelled(shared.done_bytes.load(), total);
  }
  result.bytes = shared.done_bytes.load();
  result.mismatches = merge_extents(std::move(shared.mismatches));
  if (config.on_progress) config.on_progress(result.bytes);
  return result;
}

}  // namespace copier
