// The written set as sorted, disjoint byte ranges of the volume, with the one question both file
// attributions ask: how many written bytes fall in [begin, end)? Era blocks and filesystem blocks
// differ in size either way (64 KiB era blocks over 4 KiB fs blocks, 4 KiB over 1 KiB), so every
// answer is an exact byte intersection. Memory: two words per written range.
#pragma once

#include <cstdint>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

class WrittenBytes {
 public:
  // `ranges` sorted and disjoint, in blocks of `block_size` bytes; clipped to `limit_bytes`.
  WrittenBytes(const std::vector<BlockRange>& ranges, uint64_t block_size, uint64_t limit_bytes);

  // Written bytes in [begin, end). O(log ranges + ranges touched); calls with increasing `begin`
  // (a file's blocks in order) take O(1) amortized through a cursor.
  uint64_t overlap(uint64_t begin, uint64_t end) const;
  uint64_t total() const { return total_; }
  bool empty() const { return begins_.empty(); }

 private:
  std::vector<uint64_t> begins_;  // begins_[i] < ends_[i] <= begins_[i + 1]
  std::vector<uint64_t> ends_;
  uint64_t total_ = 0;
  mutable size_t cursor_ = 0;  // the range the last call started in
};

}  // namespace schelk
