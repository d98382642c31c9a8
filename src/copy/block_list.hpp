// Block lists for `schelk copy --blocks` / `schelk verify --blocks`: era_invalidate XML (0.9
// `end = "E"` and 1.x `end="E"` spellings, `<block block="B"/>` singles; read by
// src/era_tools/blocks_xml_reader.hpp) or plain text lines "BEGIN END" (END exclusive, '#'
// comments), in units of the block size. A file is XML when its first non-space character
// (after an optional UTF-8 BOM) is '<'.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "copier/extent.hpp"

namespace schelk {

// Named apart from the recovery journal's schelk::ListedRange (src/state/journal.hpp), which a
// translation unit may include too.
struct ListedRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive
  friend bool operator==(const ListedRange&, const ListedRange&) = default;
};

class BlockListError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether `text` is era_invalidate XML (its first non-space character after an optional UTF-8 BOM
// is '<'): such a list carries no block size, unlike the device it came from.
[[nodiscard]] bool is_xml_block_list(std::string_view text);

// `source` names the input in messages ("blocks.xml", "stdin"). Throws BlockListError
// "<source>:<line>: <what>".
[[nodiscard]] std::vector<ListedRange> parse_block_list(std::string_view text,
                                                        const std::string& source);

// Blocks to bytes; throws BlockListError if a range overflows 64 bits.
[[nodiscard]] std::vector<copier::Extent> to_extents(const std::vector<ListedRange>& ranges,
                                                     std::uint64_t block_size);

// Byte ranges to the blocks covering them, merged.
[[nodiscard]] std::vector<ListedRange> to_blocks(const std::vector<copier::Extent>& extents,
                                                 std::uint64_t block_size);

}  // namespace schelk
