// Grouping sorted block locations into runs of consecutive blocks, so that each run is one
// read. Used by the array scan (many uses of one block fall into one run) and the btree
// read-ahead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace era_metadata {

struct BlockRun {
  std::size_t first = 0;  // index of the run's first location
  std::size_t end = 0;    // one past its last
  std::uint64_t first_block = 0;
  std::uint64_t nr_blocks = 0;  // blocks to read: equal locations share one
};

// Runs over locations location_of(0) <= location_of(1) <= ... (n of them), each at most
// max_blocks (>= 1) blocks long.
template <typename LocationOf>
std::vector<BlockRun> make_block_runs(std::size_t n, LocationOf location_of,
                                      std::uint64_t max_blocks) {
  std::vector<BlockRun> runs;
  for (std::size_t i = 0; i < n;) {
    BlockRun r{i, i, location_of(i), 1};
    std::size_t j = i + 1;
    for (; j < n; ++j) {
      const std::uint64_t last = location_of(j - 1);
      const std::uint64_t loc = location_of(j);
      if (loc == last) continue;
      if (loc != last + 1 || r.nr_blocks >= max_blocks) break;
      ++r.nr_blocks;
    }
    r.end = j;
    runs.push_back(r);
    i = j;
  }
  return runs;
}

}  // namespace era_metadata
