#include "src/era_tools/era_dump_xml.hpp"

namespace schelk::era_tools {
namespace {

void write_writeset(const era_metadata::WritesetBits& ws, Output& out) {
  out.write("  <writeset era=\"");
  out.write_u64(ws.era);
  out.write("\" nr_bits=\"");
  out.write_u64(ws.nr_bits);
  out.write("\">\n");
  for (std::uint64_t i = 0; i < ws.nr_bits; ++i) {
    out.write("    <bit block=\"");
    out.write_u64(i);
    out.write(ws.bits.test(i) ? "\" value=\"true\"/>\n" : "\" value=\"false\"/>\n");
  }
  out.write("  </writeset>\n");
}

}  // namespace

void write_era_dump_xml(const era_metadata::EraContent& content, bool logical, Output& out) {
  const auto& sb = content.superblock;
  // 0.9 prints the uuid bytes as a C string; they are always zero on disk, hence "".
  out.write("<superblock uuid=\"\" block_size=\"");
  out.write_u64(sb.data_block_size);
  out.write("\" nr_blocks=\"");
  out.write_u64(sb.nr_blocks);
  out.write("\" current_era=\"");
  out.write_u64(sb.current_era);
  out.write("\">\n");
  std::vector<std::uint32_t> logical_values;
  if (!logical) {
    for (const auto& ws : content.writesets) write_writeset(ws, out);
    if (content.current_writeset) write_writeset(*content.current_writeset, out);
  } else {
    logical_values = era_metadata::logical_eras(content);
  }
  const std::vector<std::uint32_t>& eras = logical ? logical_values : content.era_array;
  out.write("  <era_array>\n");
  for (std::uint64_t b = 0; b < eras.size(); ++b) {
    out.write("    <era block=\"");
    out.write_u64(b);
    out.write("\" era=\"");
    out.write_u64(eras[b]);
    out.write("\"/>\n");
  }
  out.write("  </era_array>\n");
  out.write("</superblock>\n");
}

}  // namespace schelk::era_tools
