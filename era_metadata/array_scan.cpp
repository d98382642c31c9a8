#include "era_metadata/array_scan.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/aligned_buffer.hpp"
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

struct Run {
  std::size_t first_task;
  std::size_t end_task;
  std::uint64_t first_block;
  std::uint64_t nr_blocks;
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
  std::vector<Task> tasks;
  std::size_t total = 0;
  for (const auto& a : arrays) total += a.blocks.size();
  tasks.reserve(total);
  const auto before = [](const Task& a, const Task& b) {
    return a.location != b.location ? a.location < b.location
                                    : (a.array_id != b.array_id ? a.array_id < b.array_id
                                                                : a.index < b.index);
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
      std::inplace_merge(tasks.begin(), tasks.begin() + static_cast<std::ptrdiff_t>(starts[k]),
                         k + 1 < starts.size() ? tasks.begin() + static_cast<std::ptrdiff_t>(starts[k + 1])
                                               : tasks.end(),
                         before);
    }
  } else {
    std::sort(tasks.begin(), tasks.end(), before);
  }
  // Locations are checked against the device here, so a run never reads past the end.
  const std::uint64_t dev_blocks = source.nr_blocks();
  for (const auto& t : tasks) {
    if (t.location == 0 || t.location >= dev_blocks) {
      const auto& a = arrays[t.array_id];
      throw MetadataError(a.name + " btree: array block #" + std::to_string(t.index) + " at block " +
                          std::to_string(t.location) +
                          (t.location == 0 ? std::string(" is the superblock")
                                           : " is out of range (metadata has " +
                                                 std::to_string(dev_blocks) + " blocks)"));
    }
  }
  const std::size_t max_run = std::max<std::size_t>(1, options.max_run_blocks);
  std::vector<Run> runs;
  for (std::size_t i = 0; i < tasks.size();) {
    Run r{i, i, tasks[i].location, 1};
    std::size_t j = i + 1;
    while (j < tasks.size()) {
      const std::uint64_t last = tasks[j - 1].location;
      if (tasks[j].location == last) {
        ++j;
      } else if (tasks[j].location == last + 1 && r.nr_blocks < max_run) {
        ++r.nr_blocks;
        ++j;
      } else {
        break;
      }
    }
    r.end_task = j;
    runs.push_back(r);
    i = j;
  }
  if (runs.empty()) return;

  // Auto: at least 4, so that synchronous O_DIRECT reads overlap even on a 2-core machine.
  unsigned threads = options.threads ? options.threads : std::max(4u, std::thread::hardware_concurrency());
  threads = std::clamp<unsigned>(threads, 1, 16);
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, runs.size()));

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  // Every worker's buffers are allocated here, once: fresh memory in each thread would cost a
  // malloc arena and hundreds of page faults per thread.
  const std::size_t run_bytes = max_run * kBlockSize;
  const base::AlignedBuffer buffers(threads * run_bytes);
  const std::unique_ptr<bool[]> ok_all(new bool[threads * max_run]);
  std::vector<std::vector<std::uint64_t>> indices_all(threads);
  for (auto& v : indices_all) v.reserve(64);
  std::atomic<unsigned> next_slot{0};
  auto worker = [&] {
    try {
      const unsigned slot = next_slot.fetch_add(1, std::memory_order_relaxed);
      std::byte* const buf = buffers.data() + slot * run_bytes;
      bool* ok = ok_all.get() + slot * max_run;
      std::vector<std::uint64_t>& indices = indices_all[slot];
      for (;;) {
        if (failed.load(std::memory_order_relaxed)) return;
        const std::size_t k = next.fetch_add(1, std::memory_order_relaxed);
        if (k >= runs.size()) return;
        const Run& r = runs[k];
        source.read_blocks(r.first_block, r.nr_blocks, buf);
        verify_blocks(buf, r.nr_blocks, BlockKind::kArrayBlock, ok);
        // Tasks are sorted by (location, array), so each group of uses is contiguous.
        for (std::size_t t = r.first_task; t < r.end_task;) {
          const Task& first = tasks[t];
          const std::byte* block = buf + (first.location - r.first_block) * kBlockSize;
          const ArrayRef& a = arrays[first.array_id];
          indices.clear();
          for (; t < r.end_task && tasks[t].location == first.location &&
                 tasks[t].array_id == first.array_id;
               ++t) {
            // A bad checksum is re-checked by validate_array_block, which names the block's kind.
            validate_array_block(block, first.location, a, tasks[t].index,
                                 !ok[first.location - r.first_block]);
            indices.push_back(tasks[t].index);
          }
          fn(first.array_id, indices, block);
        }
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed.store(true);
    }
  };
  run_on_threads(threads, worker);
  if (error) std::rethrow_exception(error);
}

}  // namespace era_metadata
