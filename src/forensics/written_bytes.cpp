// See written_bytes.hpp.
#include "src/forensics/written_bytes.hpp"

#include <algorithm>

namespace schelk {

WrittenBytes::WrittenBytes(const std::vector<BlockRange>& ranges, uint64_t block_size,
                           uint64_t limit_bytes) {
  begins_.reserve(ranges.size());
  ends_.reserve(ranges.size());
  for (const auto& r : ranges) {
    const uint64_t b = std::min(r.begin * block_size, limit_bytes);
    const uint64_t e = std::min(r.end * block_size, limit_bytes);
    if (b >= e) continue;
    if (!ends_.empty() && ends_.back() == b) {
      ends_.back() = e;  // adjacent ranges: one, so a lookup touches fewer
    } else {
      begins_.push_back(b);
      ends_.push_back(e);
    }
    total_ += e - b;
  }
}

uint64_t WrittenBytes::overlap(uint64_t begin, uint64_t end) const {
  if (begin >= end || begins_.empty()) return 0;
  // The first range ending after `begin`: try the cursor and its successor, then search.
  size_t i = cursor_;
  if (i >= ends_.size() || ends_[i] <= begin || (i > 0 && ends_[i - 1] > begin)) {
    if (i + 1 < ends_.size() && ends_[i] <= begin && ends_[i + 1] > begin) {
      ++i;
    } else {
      i = static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), begin) - ends_.begin());
    }
  }
  cursor_ = i;
  uint64_t sum = 0;
  for (; i < begins_.size() && begins_[i] < end; ++i) {
    sum += std::min(end, ends_[i]) - std::max(begin, begins_[i]);
  }
  return sum;
}

}  // namespace schelk
