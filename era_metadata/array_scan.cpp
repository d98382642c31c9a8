#include "era_metadata/array_scan.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/aligned_buffer.hpp"
#include "era_metadata/block_runs.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"
#include "era_metadata/multi_checksum.hpp"
#include "era_metadata/worker_threads.hpp"

namespace era_metadata {
namespace {

struct Task {
  std::uint64_t location;
  std::uint32_t array_id;
  std::uint32_t index;  // array block index: < 2^32 for every valid dm-era array
};

// One task per array block of every array, sorted by (location, array, index).
std::vector<Task> make_tasks(std::span<const ArrayRef> arrays) {
  std::vector<Task> tasks;
  std::size_t total = 0;
  for (const auto& a : arrays) total += a.blocks.size();
  tasks.reserve(total);
  const auto before = [](const Task& a, const Task& b) {
    return a.location != b.location
               ? a.location < b.location
               : (a.array_id != b.array_id ? a.array_id < b.array_id : a.index < b.index);
  };
  // Arrays laid out in ascending order (a fresh kernel array, our writer's) are merged in
  // linear time; sorting a 456M-block era array's 448K tasks would cost ~30 ms.
  bool each_ascending = arrays.size() <= 8;
  std::vector<std::size_t> starts;
  for (std::size_t id = 0; id < arrays.size(); ++id) {
    const auto& blocks = arrays[id].blocks;
    starts.push_back(tasks.size());
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      tasks.push_back({blocks[i], static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(i)});
    }
    each_ascending = each_ascending && std::is_sorted(blocks.begin(), blocks.end());
  }
  if (each_ascending) {
    for (std::size_t k = 1; k < starts.size(); ++k) {
      const auto end = k + 1 < starts.size()
                           ? tasks.begin() + static_cast<std::ptrdiff_t>(starts[k + 1])
                           : tasks.end();
      std::inplace_merge(tasks.begin(), tasks.begin() + static_cast<std::ptrdiff_t>(starts[k]), end,
                         before);
    }
  } else {
    std::sort(tasks.begin(), tasks.end(), before);
  }
  return tasks;
}

// Locations are checked against the device here, so a run never reads past the end.
void check_locations(std::span<const Task> tasks, std::span<const ArrayRef> arrays,
                     std::uint64_t dev_blocks) {
  for (const auto& t : tasks) {
    if (t.location != 0 && t.location < dev_blocks) continue;
    const auto& a = arrays[t.array_id];
    throw MetadataError(make_error(
        t.location == 0 ? DamageKind::kPointerToSuperblock : DamageKind::kPointerPastEnd,
        std::nullopt, a.name + " btree",
        "array block #" + std::to_string(t.index) + " at block " + std::to_string(t.location) +
            (t.location == 0
                 ? std::string(" is the superblock")
                 : " is out of range (metadata has " + std::to_string(dev_blocks) + " blocks)")));
  }
}

// Reads runs off a shared cursor until none is left or another worker failed; the first
// exception (a read, a validation, fn) is kept for the caller. Every worker's buffers are
// allocated once, up front: fresh memory in each thread would cost a malloc arena and hundreds
// of page faults per thread.
class Workers {
 public:
  Workers(const MetadataSource& source, std::span<const ArrayRef> arrays,
          std::span<const Task> tasks, std::span<const BlockRun> runs, std::size_t max_run,
          unsigned threads, const SharedArrayBlockFn& fn)
      : source_(source),
        arrays_(arrays),
        tasks_(tasks),
        runs_(runs),
        max_run_(max_run),
        fn_(fn),
        buffers_(threads * max_run * kBlockSize),
        ok_all_(new bool[threads * max_run]),
        indices_all_(threads) {
    for (auto& v : indices_all_) v.reserve(64);
  }

  // The body of each thread; never throws.
  void run() noexcept {
    try {
      const unsigned slot = next_slot_.fetch_add(1, std::memory_order_relaxed);
      std::byte* const buf = buffers_.data() + slot * max_run_ * kBlockSize;
      bool* const ok = ok_all_.get() + slot * max_run_;
      std::vector<std::uint64_t>& indices = indices_all_[slot];
      for (;;) {
        if (failed_.load(std::memory_order_relaxed)) return;
        const std::size_t k = next_.fetch_add(1, std::memory_order_relaxed);
        if (k >= runs_.size()) return;
        read_run(runs_[k], buf, ok, indices);
      }
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true);
    }
  }

  void rethrow_first_error() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void read_run(const BlockRun& r, std::byte* buf, bool* ok, std::vector<std::uint64_t>& indices) {
    source_.read_blocks(r.first_block, r.nr_blocks, buf);
    verify_blocks(buf, r.nr_blocks, BlockKind::kArrayBlock, ok);
    // Tasks are sorted by (location, array), so each group of uses is contiguous.
    for (std::size_t t = r.first; t < r.end;) {
      const Task& first = tasks_[t];
      const std::byte* block = buf + (first.location - r.first_block) * kBlockSize;
      const ArrayRef& a = arrays_[first.array_id];
      indices.clear();
      for (; t < r.end && tasks_[t].location == first.location &&
             tasks_[t].array_id == first.array_id;
           ++t) {
        // A bad checksum is re-checked by validate_array_block, which names the block's kind.
        if (auto bad = validate_array_block(BlockSpan(block, kBlockSize), first.location, a,
                                            tasks_[t].index, !ok[first.location - r.first_block])) {
          throw MetadataError(std::move(*bad));
        }
        indices.push_back(tasks_[t].index);
      }
      fn_(first.array_id, indices, block);
    }
  }

  const MetadataSource& source_;
  std::span<const ArrayRef> arrays_;
  std::span<const Task> tasks_;
  std::span<const BlockRun> runs_;
  std::size_t max_run_;
  const SharedArrayBlockFn& fn_;
  base::AlignedBuffer buffers_;
  std::unique_ptr<bool[]> ok_all_;
  std::vector<std::vector<std::uint64_t>> indices_all_;
  std::atomic<unsigned> next_slot_{0};
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace

void scan_array_blocks(const MetadataSource& source, std::span<const ArrayRef> arrays,
                       const ArrayScanOptions& options, const ArrayBlockFn& fn) {
  scan_shared_array_blocks(
      source, arrays, options,
      [&](std::size_t id, std::span<const std::uint64_t> indices, const std::byte* block) {
        for (const std::uint64_t i : indices) fn(id, i, block);
      });
}

void scan_shared_array_blocks(const MetadataSource& source, std::span<const ArrayRef> arrays,
                              const ArrayScanOptions& options, const SharedArrayBlockFn& fn) {
  const std::vector<Task> tasks = make_tasks(arrays);
  check_locations(tasks, arrays, source.size_in_blocks());
  const std::size_t max_run = std::max<std::size_t>(1, options.max_run_blocks);
  const std::vector<BlockRun> runs = make_block_runs(
      tasks.size(), [&](std::size_t i) { return tasks[i].location; }, max_run);
  if (runs.empty()) return;
  // Auto: at least 4, so that synchronous O_DIRECT reads overlap even on a 2-core machine.
  unsigned threads =
      options.threads ? options.threads : std::max(4u, std::thread::hardware_concurrency());
  threads = std::clamp<unsigned>(threads, 1, 16);
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, runs.size()));
  Workers workers(source, arrays, tasks, runs, max_run, threads, fn);
  run_on_threads(threads, [&] { workers.run(); });
  workers.rethrow_first_error();
}

}  // namespace era_metadata
