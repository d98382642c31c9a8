#include "src/era_tools/blocks_xml.hpp"

namespace schelk::era_tools {

void write_blocks_xml(const era_metadata::BlockBitmap& blocks, Output& out) {
  out.write("<blocks>\n");
  blocks.for_each_run([&](std::uint64_t begin, std::uint64_t end) {
    if (end - begin == 1) {
      out.write("  <block block=\"");
      out.write_u64(begin);
      out.write("\"/>\n");
    } else {
      out.write("  <range begin=\"");
      out.write_u64(begin);
      out.write("\" end = \"");
      out.write_u64(end);
      out.write("\"/>\n");
    }
  });
  out.write("</blocks>\n");
}

}  // namespace schelk::era_tools
