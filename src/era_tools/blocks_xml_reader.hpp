// Reads era_invalidate's XML (the writer is blocks_xml.hpp): <blocks> holding <range begin="B"
// end="E"/> (end exclusive; 0.9 writes `end = "E"`, 1.x `end="E"`, both the same XML) and
// <block block="B"/> (one block). Parsed by expat (xml_reader.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "src/era_tools/xml_reader.hpp"

namespace schelk::era_tools {

// Calls on_range(begin, end) for each element in document order (end > begin; not merged).
// Throws XmlError ("line N: what") on malformed XML, another root or child element, a missing,
// repeated or unknown attribute, a value that is not a decimal u64, or end <= begin.
void read_blocks_xml(std::string_view text,
                     const std::function<void(std::uint64_t begin, std::uint64_t end)>& on_range);

}  // namespace schelk::era_tools
