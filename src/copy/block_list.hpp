// Block lists for `schelk copy --blocks` / `schelk verify --blocks`: era_invalidate XML (0.9
// `end = "E"` and 1.x `end="E"` spellings, `<block block="B"/>` singles) or plain text lines
// "BEGIN END" (END exclusive, '#' comments), in units of the block size.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "copier/extent.hpp"

namespace schelk {

struct BlockRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive
  friend bool operator==(const BlockRange&, const BlockRange&) = default;
};

class BlockListError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `source` names the input in messages ("blocks.xml", "stdin"). Throws BlockListError naming
// the line.
[[nodiscard]] std::vector<BlockRange> parse_block_list(std::string_view text,
                                                       const std::string& source);

// Blocks to bytes; throws BlockListError if a range overflows 64 bits.
[[nodiscard]] std::vector<copier::Extent> to_extents(const std::vector<BlockRange>& ranges,
                                                     std::uint64_t block_size);

// Byte ranges to the blocks covering them, merged.
[[nodiscard]] std::vector<BlockRange> to_blocks(const std::vector<copier::Extent>& extents,
                                                std::uint64_t block_size);

}  // namespace schelk
