// era_dump XML parsing: the 0.9 dialect and 1.x <marked>, errors with line numbers as 0.9
// rejects them (era-fixtures/xmlcases), and parse(dump(model)) == model on random models.
#include "era_metadata/era_xml.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "support/era_model_gen.hpp"

using namespace era_metadata;

namespace {

EraModel parse(const std::string& xml) {
  std::istringstream in(xml);
  return parse_era_xml(in);
}

std::vector<std::uint32_t> eras_of(const EraModel& m) {
  std::vector<std::uint32_t> v(m.nr_blocks);
  if (m.era_array) m.era_array(0, v.data(), v.size());
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

const std::string kHead = "<superblock uuid=\"\" block_size=\"64\" nr_blocks=\"10\" current_era=\"2\">\n";

}  // namespace

TEST_CASE("era_xml: sparse 0.9 input with uuid, unsorted writesets and unlisted eras") {
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
  CHECK(m.writesets[0].words == std::vector<std::uint64_t>{0, 1ull << 5});
  CHECK(m.writesets[1].words == std::vector<std::uint64_t>{1ull << 9});
  CHECK(eras_of(m) == std::vector<std::uint32_t>{0, 0, 0, 7, 0, 0, 0, 0, 0, 0});
  CHECK_FALSE(m.current_writeset.has_value());
}

TEST_CASE("era_xml: 1.x <marked> runs") {
  const EraModel m = parse(kHead +
                           "  <writeset era=\"1\" nr_bits=\"130\">\n"
                           "    <marked block_begin=\"2\" len=\"3\"/>\n"
                           "    <marked block_begin=\"60\" len=\"70\"/>\n"
                           "  </writeset>\n  <era_array>\n  </era_array>\n</superblock>");
  REQUIRE(m.writesets.size() == 1);
  CHECK(m.writesets[0].words ==
        std::vector<std::uint64_t>{0x1Cull | (0xFull << 60), ~0ull, 0x3});
}

TEST_CASE("era_xml: errors name the line and the problem") {
  // xmlcases x3 / x4 (0.9: "bitset index out of bounds (70 >= 10)", "array_block index ...")
  CHECK(error_of(kHead + "  <writeset era=\"1\" nr_bits=\"10\">\n    <bit block=\"70\" value=\"true\"/>\n") ==
        "line 3: bitset index out of bounds (70 >= 10)");
  CHECK(error_of(kHead + "  <era_array>\n    <era block=\"12\" era=\"1\"/>\n") ==
        "line 3: array_block index out of bounds (12 >= 10)");
  CHECK(error_of(kHead + "  <writeset era=\"1\" nr_bits=\"10\">\n    <marked block_begin=\"8\" len=\"3\"/>\n")
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
  CHECK(error_of(kHead + "</writeset>") == "line 2: unexpected </writeset> here");
  CHECK(error_of(kHead + "<era_array>\n") == "XML ends before </superblock>");
  CHECK(error_of("garbage\n") == "no <superblock> in the XML");
  CHECK(error_of("") == "no <superblock> in the XML");
  CHECK(error_of(kHead + "<era_array\n") == "line 2: unterminated tag <era_array>");
  CHECK(error_of(kHead + "</superblock><superblock/>").find("unexpected <superblock>") !=
        std::string::npos);
}

TEST_CASE("era_xml: a repeated era keeps the last writeset, like 0.9") {
  const EraModel m = parse(kHead +
                           "<writeset era=\"1\" nr_bits=\"3\"><bit block=\"0\" value=\"true\"/></writeset>"
                           "<writeset era=\"1\" nr_bits=\"5\"><bit block=\"4\" value=\"true\"/></writeset>"
                           "</superblock>");
  REQUIRE(m.writesets.size() == 1);
  CHECK(m.writesets[0].nr_bits == 5);
  CHECK(m.writesets[0].words == std::vector<std::uint64_t>{0x10});
}

TEST_CASE("era_xml: dense dumps, sparse and <marked> inputs of random models parse back") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 40; ++i) {
    const era_test::Model src = era_test::random_model(rng, {});
    const EraModel want = src.to_writer_model();
    for (const std::string& xml :
         {era_test::dump_xml_09(src), era_test::restore_xml(src, false), era_test::restore_xml(src, true)}) {
      const EraModel got = parse(xml);
      INFO("model " << i);
      CHECK(got.nr_blocks == want.nr_blocks);
      CHECK(got.current_era == want.current_era);
      CHECK(got.data_block_size == want.data_block_size);
      REQUIRE(got.writesets.size() == want.writesets.size());
      for (std::size_t w = 0; w < got.writesets.size(); ++w) {
        CHECK(got.writesets[w].era == want.writesets[w].era);
        CHECK(got.writesets[w].nr_bits == want.writesets[w].nr_bits);
        CHECK(got.writesets[w].words == want.writesets[w].words);
      }
      CHECK(eras_of(got) == src.eras);
    }
  }
}
