// The era_invalidate output: maximal runs of written data blocks as 0.9's XML
// (<blocks>, <range begin="B" end = "E"/> with end exclusive, <block block="B"/> for a run of one).
#pragma once

#include "era_metadata/block_bitmap.hpp"
#include "src/era_tools/era_tool_cli.hpp"

namespace schelk::era_tools {

void write_blocks_xml(const era_metadata::BlockBitmap& blocks, Output& out);

}  // namespace schelk::era_tools
