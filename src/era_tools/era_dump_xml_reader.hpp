// Reads era_dump XML into a writer model (era_restore's input). Accepts the 0.9 dialect
// (superblock, writeset, bit, era_array, era) plus 1.x's compact <marked block_begin len/>.
// The writer of the 0.9 dialect is era_dump_xml.hpp. Parsed by expat (xml_reader.hpp), streaming;
// every error names the line and the problem, as 0.9 rejects them. Also refused, unlike 0.9:
// eras greater than current_era, which the metadata readers (and the kernel) reject afterwards.
#pragma once

#include <cstdint>
#include <istream>

#include "era_metadata/writer.hpp"
#include "src/era_tools/xml_reader.hpp"

namespace schelk::era_tools {

// The document describes more metadata than the limit given to read_era_dump_xml allows.
class XmlTooLargeError : public XmlError {
 public:
  using XmlError::XmlError;
};

// Reads the whole document. Writesets come back sorted by era (a repeated era keeps the last);
// era entries not listed are 0. Throws XmlError on malformed XML, unknown tags, missing
// attributes, out-of-range indices or eras.
// max_metadata_blocks: fail (XmlTooLargeError) as soon as the declared sizes need more metadata
// blocks than this, so that memory stays bounded by the output device, whatever the input.
[[nodiscard]] era_metadata::EraModel read_era_dump_xml(
    std::istream& in, std::uint64_t max_metadata_blocks = UINT64_MAX);

}  // namespace schelk::era_tools
