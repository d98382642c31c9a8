// era_invalidate XML reading: both tool versions' spellings, XML syntax as expat reads it, and
// errors naming the line; captured outputs read back to what our writer prints.
#include "src/era_tools/blocks_xml_reader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "era_metadata/block_bitmap.hpp"
#include "src/era_tools/blocks_xml.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "tests/support/temp_path.hpp"

using schelk::era_tools::read_blocks_xml;
using schelk::era_tools::XmlError;
using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

namespace {

Ranges read(const std::string& xml) {
  Ranges out;
  read_blocks_xml(xml, [&](std::uint64_t b, std::uint64_t e) { out.emplace_back(b, e); });
  return out;
}

std::string error_of(const std::string& xml) {
  try {
    (void)read(xml);
  } catch (const XmlError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("blocks xml: the 0.9 and 1.x spellings read alike") {
  const Ranges want{{0, 6}, {7, 12}, {15, 16}};
  CHECK(read("<blocks>\n  <range begin=\"0\" end = \"6\"/>\n  <range begin=\"7\" end = \"12\"/>\n"
             "  <block block=\"15\"/>\n</blocks>\n") == want);
  CHECK(read("<blocks>\n  <range begin=\"0\" end=\"6\"/>\n  <range begin=\"7\" end=\"12\"/>\n"
             "  <block block=\"15\"/>\n</blocks>") == want);
  CHECK(read("<blocks/>").empty());
}

TEST_CASE("blocks xml: comments, CDATA, references and end tags as XML says") {
  CHECK(read("<blocks><!-- a > b <range begin='1' end='2'/> --><block block='5'/></blocks>") ==
        Ranges{{5, 6}});
  CHECK(read("<blocks><range begin='&#49;' end='&#x33;'></range><![CDATA[ \n ]]></blocks>") ==
        Ranges{{1, 3}});
  CHECK(read("\xEF\xBB\xBF<blocks><block block='7'/></blocks>") == Ranges{{7, 8}});
  CHECK(error_of("<blocks><![CDATA[x]]></blocks>") == "line 1: unexpected text inside an element");
  CHECK(error_of("<blocks>\n<!-- <block block='1'/>\n</blocks>") ==
        "line 2: unclosed token (truncated input?)");
}

TEST_CASE("blocks xml: errors name the line and the problem") {
  CHECK(error_of("<blocks>\n<range begin='5' end='5'/></blocks>") ==
        "line 2: <range> end must be greater than begin");
  CHECK(error_of("<blocks><range begin='5'/></blocks>") == "line 1: <range> needs begin and end");
  CHECK(error_of("<blocks><range begin='x' end='5'/></blocks>") ==
        "line 1: expected a number for begin, not \"x\"");
  CHECK(error_of("<blocks><range begin='' end='5'/></blocks>") ==
        "line 1: expected a number for begin");
  CHECK(error_of("<blocks><range begin='1' end='99999999999999999999'/></blocks>") ==
        "line 1: number too large for end");
  CHECK(error_of("<blocks><block block='18446744073709551615'/></blocks>") ==
        "line 1: block number too large");
  CHECK(error_of("<blocks><block/></blocks>") == "line 1: <block> without a block attribute");
  CHECK(error_of("<blocks><block block='1' extra='2'/></blocks>") ==
        "line 1: unexpected attribute extra in <block>");
  CHECK(error_of("<blocks><rnage/></blocks>") == "line 1: unexpected element <rnage>");
  CHECK(error_of("<range begin='1' end='2'/>") == "line 1: <range> outside <blocks>");
  CHECK(error_of("<blocks><range begin='1' end='2'><block block='3'/></range></blocks>") ==
        "line 1: <block> inside another element");
  CHECK(error_of("<blocks><blocks/></blocks>") == "line 1: nested <blocks>");
  CHECK(error_of("<blocks/>\n<blocks/>") ==
        "line 2: junk after document element (a document has one root element)");
  CHECK(error_of("<blocks>\n<block block='1'/>\n") ==
        "line 3: missing </blocks> (truncated input?)");
  CHECK(error_of("<!DOCTYPE blocks><blocks/>") ==
        "line 1: <!DOCTYPE> is not accepted (the document needs none; remove it)");
}

TEST_CASE("blocks xml: captured 0.9 era_invalidate outputs read back to what our writer prints") {
  const std::filesystem::path dir = SCHELK_FIXTURES_DIR "/era/expected";
  REQUIRE(std::filesystem::is_directory(dir));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename();
    if (name.find(".inv") == std::string::npos || !name.ends_with(".0.9.xml")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const auto at = text.rfind("exit=");
    REQUIRE(at != std::string::npos);
    if (text.compare(at, 7, "exit=0\n") != 0) continue;  // an error capture
    text.resize(at);
    INFO(name);
    const Ranges ranges = read(text);
    const std::uint64_t size = ranges.empty() ? 1 : ranges.back().second;
    era_metadata::BlockBitmap bits(size);
    for (const auto& [b, e] : ranges) {
      for (std::uint64_t i = b; i < e; ++i) bits.set(i);
    }
    schelk::test::TempFile out("blocks-rt");
    schelk::era_tools::Output o;
    o.open(out.path());
    schelk::era_tools::write_blocks_xml(bits, o);
    o.close();
    CHECK(out.read() == text);
    ++files;
  }
  CHECK(files > 20);
}
