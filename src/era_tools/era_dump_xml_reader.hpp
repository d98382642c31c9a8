// Parses era_dump XML into a writer model (era_restore's input). Accepts the 0.9 dialect
// (superblock, writeset, bit, era_array, era) plus 1.x's compact <marked block_begin len/>.
// Streaming, hand-written; every error names the line and the problem, as 0.9 rejects them.
#pragma once

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>

#include "era_metadata/writer.hpp"

namespace era_metadata {

class XmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The document describes more metadata than the limit given to parse_era_xml allows.
class XmlTooLargeError : public XmlError {
 public:
  using XmlError::XmlError;
};

// Reads the whole document. Writesets come back sorted by era (a repeated era keeps the last);
// era entries not listed are 0. Throws XmlError on malformed XML, unknown tags, missing
// attributes or out-of-range indices.
// max_metadata_blocks: fail (XmlTooLargeError) as soon as the declared sizes need more metadata
// blocks than this, so that memory stays bounded by the output device, whatever the input.
[[nodiscard]] EraModel parse_era_xml(std::istream& in,
                                     std::uint64_t max_metadata_blocks = UINT64_MAX);

}  // namespace era_metadata
