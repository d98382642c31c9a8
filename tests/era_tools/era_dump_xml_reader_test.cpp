// era_dump XML reading: the 0.9 dialect and 1.x <marked>, errors with line numbers as 0.9
// rejects them (era-fixtures/xmlcases), XML syntax as expat reads it (comments, CDATA,
// references, BOM), parse(dump(model)) == model on random models, and byte-identical round trips
// of the captured 0.9 era_dump outputs through the reader, the metadata writer and our era_dump.
#include "src/era_tools/era_dump_xml_reader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "era_metadata/era_content.hpp"
#include "era_metadata/metadata_source.hpp"
#include "src/era_tools/era_dump_xml.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "tests/support/era_model_gen.hpp"
#include "tests/support/temp_path.hpp"

using namespace era_metadata;
using schelk::era_tools::read_era_dump_xml;
using schelk::era_tools::XmlError;
using schelk::era_tools::XmlTooLargeError;

namespace {

EraModel parse(const std::string& xml) {
  std::istringstream in(xml);
  return read_era_dump_xml(in);
}

std::vector<std::uint32_t> eras_of(const EraModel& m) {
  std::vector<std::uint32_t> v(m.nr_blocks);
  if (m.era_array) m.era_array(0, v.data(), v.size());
  return v;
}

std::vector<std::uint64_t> words_of(const WritesetModel& w) {
  std::vector<std::uint64_t> v((std::uint64_t{w.nr_bits} + 63) / 64);
  if (w.fill) {
    w.fill(0, v.data(), v.size());
  } else {
    v = w.words;
  }
  return v;
}

std::string error_of(const std::string& xml) {
  try {
    (void)parse(xml);
  } catch (const XmlError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kHead =
    "<superblock uuid=\"\" block_size=\"64\" nr_blocks=\"10\" current_era=\"2\">\n";

}  // namespace

TEST_CASE("era_dump xml: sparse 0.9 input with uuid, unsorted writesets and unlisted eras") {
  const EraModel m = parse(
      "<?xml version=\"1.0\"?>\n"
      "<superblock uuid=\"abc\" block_size=\"64\" nr_blocks=\"10\" current_era=\"9\">\n"
      "  <writeset era=\"4\" nr_bits=\"10\">\n"
      "    <bit block=\"9\" value=\"true\"/>\n"
      "    <bit block=\"8\" value=\"false\"/>\n"
      "  </writeset>\n"
      "  <writeset era=\"2\" nr_bits=\"70\">\n"
      "    <bit block=\"69\" value=\"true\"/>\n"
      "  </writeset>\n"
      "  <era_array>\n"
      "    <era block=\"3\" era=\"7\"/>\n"
      "  </era_array>\n"
      "</superblock>\n");
  CHECK(m.data_block_size == 64);
  CHECK(m.nr_blocks == 10);
  CHECK(m.current_era == 9);
  REQUIRE(m.writesets.size() == 2);
  CHECK(m.writesets[0].era == 2);
  CHECK(m.writesets[0].nr_bits == 70);
  CHECK(words_of(m.writesets[0]) == std::vector<std::uint64_t>{0, 1ull << 5});
  CHECK(words_of(m.writesets[1]) == std::vector<std::uint64_t>{1ull << 9});
  CHECK(eras_of(m) == std::vector<std::uint32_t>{0, 0, 0, 7, 0, 0, 0, 0, 0, 0});
  CHECK_FALSE(m.current_writeset.has_value());
}

TEST_CASE("era_dump xml: 1.x <marked> runs") {
  const EraModel m = parse(kHead +
                           "  <writeset era=\"1\" nr_bits=\"130\">\n"
                           "    <marked block_begin=\"2\" len=\"3\"/>\n"
                           "    <marked block_begin=\"60\" len=\"70\"/>\n"
                           "  </writeset>\n  <era_array>\n  </era_array>\n</superblock>");
  REQUIRE(m.writesets.size() == 1);
  CHECK(words_of(m.writesets[0]) ==
        std::vector<std::uint64_t>{0x1Cull | (0xFull << 60), ~0ull, 0x3});
}

TEST_CASE("era_dump xml: errors name the line and the problem") {
  // xmlcases x3 / x4 (0.9: "bitset index out of bounds (70 >= 10)", "array_block index ...")
  CHECK(
      error_of(kHead +
               "  <writeset era=\"1\" nr_bits=\"10\">\n    <bit block=\"70\" value=\"true\"/>\n") ==
      "line 3: bitset index out of bounds (70 >= 10)");
  CHECK(error_of(kHead + "  <era_array>\n    <era block=\"12\" era=\"1\"/>\n") ==
        "line 3: array_block index out of bounds (12 >= 10)");
  CHECK(
      error_of(kHead +
               "  <writeset era=\"1\" nr_bits=\"10\">\n    <marked block_begin=\"8\" len=\"3\"/>\n")
          .find("line 3: bitset index out of bounds") == 0);
  CHECK(error_of(kHead + "\n  <foo/>\n</superblock>") == "line 3: unknown tag type <foo>");
  CHECK(error_of("<superblock uuid=\"\" block_size=\"1\" nr_blocks=\"2\">\n</superblock>") ==
        "line 1: <superblock> lacks attribute current_era");
  CHECK(error_of(kHead + "<era_array><era block=\"x1\" era=\"1\"/>") ==
        "line 2: <era> attribute block=\"x1\" is not a number in 0..18446744073709551615");
  CHECK(error_of(kHead + "<writeset era=\"4294967296\" nr_bits=\"1\"/>") ==
        "line 2: <writeset> attribute era=\"4294967296\" is not a number in 0..4294967295");
  CHECK(error_of(kHead + "<writeset era=\"1\" nr_bits=\"1\"><bit block=\"0\" value=\"yes\"/>")
            .find("is not true or false") != std::string::npos);
  CHECK(error_of(kHead + "<bit block=\"0\" value=\"true\"/>") == "line 2: unexpected <bit> here");
  // XML syntax errors are expat's, with the line.
  CHECK(error_of(kHead + "</writeset>") == "line 2: mismatched tag (expected </superblock>)");
  CHECK(error_of(kHead + "<era_array>\n") == "line 3: missing </era_array> (truncated input?)");
  CHECK(error_of("garbage\n") == "line 1: syntax error");
  CHECK(error_of("") == "line 1: no element in the document");
  CHECK(error_of(kHead + "<era_array\n") == "line 2: unclosed token (truncated input?)");
  CHECK(error_of(kHead + "</superblock><superblock/>") ==
        "line 2: junk after document element (a document has one root element)");
  CHECK(error_of("<writeset era=\"1\" nr_bits=\"1\"/>") == "line 1: unexpected <writeset> here");
}

TEST_CASE("era_dump xml: huge claimed sizes cost memory only for what is listed") {
  const EraModel m = parse(
      "<superblock uuid=\"\" block_size=\"8\" nr_blocks=\"4294967295\" current_era=\"2\">\n"
      "  <writeset era=\"1\" nr_bits=\"4294967295\">\n"
      "    <marked block_begin=\"4294967000\" len=\"295\"/>\n"
      "  </writeset>\n"
      "  <era_array>\n    <era block=\"4294967294\" era=\"2\"/>\n  </era_array>\n"
      "</superblock>\n");
  REQUIRE(m.writesets.size() == 1);
  const std::uint64_t nwords = 67108864, first = nwords / 509 * 509;  // last bitset block
  std::vector<std::uint64_t> w(nwords - first);
  m.writesets[0].fill(first, w.data(), w.size());
  CHECK(w[67108859 - first] == ~0ull << 24);  // bit 4294967000 is bit 24 of word 67108859
  CHECK(w[67108860 - first] == ~0ull);
  CHECK(w[67108863 - first] == (1ull << 63) - 1);  // ... through bit 4294967294
  CHECK(w[67108858 - first] == 0);
  const std::uint64_t efirst = 4294967295ull / 1018 * 1018;
  std::vector<std::uint32_t> e(4294967295ull - efirst);
  m.era_array(efirst, e.data(), e.size());
  CHECK(e[4294967294ull - efirst] == 2);
  CHECK(e[0] == 0);
}

TEST_CASE("era_dump xml: sizes beyond the metadata limit fail before allocating") {
  std::istringstream in(
      "<superblock uuid=\"\" block_size=\"8\" nr_blocks=\"10\" current_era=\"2\">\n"
      "  <writeset era=\"1\" nr_bits=\"4294967295\"/>\n</superblock>\n");
  CHECK_THROWS_AS(read_era_dump_xml(in, 1000), XmlTooLargeError);
  std::istringstream in2(
      "<superblock uuid=\"\" block_size=\"8\" nr_blocks=\"4294967295\" current_era=\"2\"/>");
  CHECK_THROWS_WITH(read_era_dump_xml(in2, 1000),
                    "line 1: the metadata needs more than 1000 blocks");
}

TEST_CASE("era_dump xml: a repeated era keeps the last writeset, like 0.9") {
  const EraModel m =
      parse(kHead +
            "<writeset era=\"1\" nr_bits=\"3\"><bit block=\"0\" value=\"true\"/></writeset>"
            "<writeset era=\"1\" nr_bits=\"5\"><bit block=\"4\" value=\"true\"/></writeset>"
            "</superblock>");
  REQUIRE(m.writesets.size() == 1);
  CHECK(m.writesets[0].nr_bits == 5);
  CHECK(words_of(m.writesets[0]) == std::vector<std::uint64_t>{0x10});
}

TEST_CASE("era_dump xml: dense dumps, sparse and <marked> inputs of random models parse back") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 40; ++i) {
    const era_test::Model src = era_test::random_model(rng, {});
    const EraModel want = src.to_writer_model();
    for (const std::string& xml : {era_test::dump_xml_09(src), era_test::restore_xml(src, false),
                                   era_test::restore_xml(src, true)}) {
      const EraModel got = parse(xml);
      INFO("model " << i);
      CHECK(got.nr_blocks == want.nr_blocks);
      CHECK(got.current_era == want.current_era);
      CHECK(got.data_block_size == want.data_block_size);
      REQUIRE(got.writesets.size() == want.writesets.size());
      for (std::size_t w = 0; w < got.writesets.size(); ++w) {
        CHECK(got.writesets[w].era == want.writesets[w].era);
        CHECK(got.writesets[w].nr_bits == want.writesets[w].nr_bits);
        CHECK(words_of(got.writesets[w]) == want.writesets[w].words);
      }
      CHECK(eras_of(got) == src.eras);
    }
  }
}

TEST_CASE("era_dump xml: a commented-out writeset is not restored (D5)") {
  // bad-input-findings D5: the old reader ended the comment at "a >" and restored the writeset.
  const EraModel m = parse(
      "<superblock uuid=\"\" block_size=\"128\" nr_blocks=\"16\" current_era=\"5\">\n"
      " <!-- a > b <writeset era=\"2\" nr_bits=\"16\"> <bit block=\"9\" value=\"true\"/> "
      "</writeset> -->\n <era_array>\n </era_array>\n</superblock>\n");
  CHECK(m.writesets.empty());
  // Complete tags inside a comment without a bare '>' were refused ("unexpected <bit> here").
  const EraModel m2 = parse(kHead + "<!-- <bit block=\"1\" value=\"true\"/> -->\n</superblock>");
  CHECK(m2.writesets.empty());
  // An unterminated comment was reported as "unexpected <era> here".
  CHECK(error_of(kHead + "<!-- <era_array>\n<era block=\"1\" era=\"1\"/>\n</superblock>") ==
        "line 2: unclosed token (truncated input?)");
}

TEST_CASE("era_dump xml: eras greater than current_era are refused (D9)") {
  // bad-input-findings D9: restored with rc 0, then refused by era_dump and era_invalidate.
  CHECK(error_of(kHead + "<writeset era=\"9\" nr_bits=\"16\"><bit block=\"1\" value=\"true\"/>"
                         "</writeset></superblock>") ==
        "line 2: <writeset> era 9 is greater than current_era 2 (era tools and the kernel would "
        "reject it)");
  CHECK(error_of(kHead + "<era_array>\n<era block=\"1\" era=\"99\"/></era_array></superblock>") ==
        "line 3: <era block=\"1\"> era 99 is greater than current_era 2 (era tools and the kernel "
        "would reject it)");
  // current_era itself is fine for both.
  const EraModel m = parse(kHead +
                           "<writeset era=\"2\" nr_bits=\"1\"/><era_array><era block=\"0\" "
                           "era=\"2\"/></era_array></superblock>");
  CHECK(m.writesets.size() == 1);
  CHECK(eras_of(m)[0] == 2);
}

TEST_CASE("era_dump xml: a huge unknown tag name is cut in the message (D12e)") {
  const std::string name(100000, 'q');
  const std::string e = error_of(kHead + "<" + name + "/></superblock>");
  CHECK(e == "line 2: unknown tag type <" + std::string(64, 'q') + "...>");
}

TEST_CASE("era_dump xml: BOM, CDATA, references and <x></x> leaves read as XML says") {
  const EraModel m = parse("\xEF\xBB\xBF" + kHead +
                           "<writeset era='&#49;' nr_bits=\"1&#48;\"><![CDATA[ text ]]>"
                           "<bit block=\"&#x39;\" value=\"true\"></bit></writeset>"
                           "<era_array><era block='3' era='2'></era></era_array></superblock>");
  REQUIRE(m.writesets.size() == 1);
  CHECK(m.writesets[0].era == 1);
  CHECK(m.writesets[0].nr_bits == 10);
  CHECK(words_of(m.writesets[0]) == std::vector<std::uint64_t>{1u << 9});
  CHECK(eras_of(m)[3] == 2);
  // A leaf still has no children.
  CHECK(error_of(kHead + "<era_array><era block='3' era='2'><era block='4' era='1'/>") ==
        "line 2: unexpected <era> here");
  CHECK(error_of("<!DOCTYPE superblock>" + kHead) ==
        "line 1: <!DOCTYPE> is not accepted (the document needs none; remove it)");
}

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A captured era_dump output without the "exit=N" line the capture script appends; empty when
// the tool failed.
std::string captured_dump(const std::string& name) {
  const std::filesystem::path p = std::string(SCHELK_FIXTURES_DIR) + "/era/expected/" + name;
  REQUIRE(std::filesystem::is_regular_file(p));
  std::string text = read_text(p);
  const auto at = text.rfind("exit=");
  REQUIRE(at != std::string::npos);
  if (text.compare(at, 7, "exit=0\n") != 0) return {};
  text.resize(at);
  return text;
}

// XML -> reader -> metadata writer -> metadata reader -> our era_dump writer.
std::string restore_and_dump(const std::string& xml) {
  const EraModel model = parse(xml);
  const std::uint64_t blocks = metadata_blocks_needed(model) + 16;
  MemoryMetadataSink sink(blocks);
  write_metadata(model, blocks, sink);
  const MemoryMetadataSource source(sink.take_image());
  const EraContent content = read_era_content(source, {});
  schelk::test::TempFile out("era-dump-rt");
  schelk::era_tools::Output o;
  o.open(out.path());
  schelk::era_tools::write_era_dump_xml(content, false, o);
  o.close();
  return out.read();
}

}  // namespace

TEST_CASE("era_dump xml: captured 0.9 dumps round-trip byte for byte") {
  int files = 0;
  for (const char* image : {"emeta_snap", "f1", "f2_no_writesets", "f3_overlap", "f4_current_ws"}) {
    for (const char* kind : {".era_dump.0.9.xml", ".era_dump_logical.0.9.xml"}) {
      const std::string name = std::string(image) + kind;
      INFO(name);
      const std::string xml = captured_dump(name);
      REQUIRE_FALSE(xml.empty());
      CHECK(restore_and_dump(xml) == xml);
      ++files;
    }
  }
  CHECK(files == 10);
}

TEST_CASE("era_dump xml: captured 1.1 dumps round-trip (plus the final newline 1.1 omits)") {
  int compared = 0;
  for (const char* image : {"emeta_snap", "f1", "f2_no_writesets", "f3_overlap", "f4_current_ws"}) {
    for (const char* kind : {".era_dump.1.1.xml", ".era_dump_logical.1.1.xml"}) {
      const std::string xml = captured_dump(std::string(image) + kind);
      if (xml.empty()) continue;  // 1.1 failed on this image (its known bug, doc/dm-era-format.md)
      INFO(image << kind);
      CHECK(restore_and_dump(xml) == xml + "\n");
      ++compared;
    }
  }
  CHECK(compared == 6);
}
