// The written set of a past run on disk: compact (each range as two LEB128 varints, the gap
// since the previous range's end and its length) and compressed with zstd. A 10M-range set of
// scattered 4 KiB blocks takes a few bytes per range instead of the journal's ~20.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Ranges must be sorted and disjoint (as a written set is); throws HistoryError otherwise.
std::string encode_written_set(const std::vector<BlockRange>& ranges);
// Throws HistoryError on anything malformed (bad zstd frame, truncated varint, a range past
// 2^64, more than `max_ranges` ranges), never reads or allocates beyond those bounds.
std::vector<BlockRange> decode_written_set(const std::string& bytes,
                                           uint64_t max_ranges = uint64_t{1} << 32);

}  // namespace schelk
