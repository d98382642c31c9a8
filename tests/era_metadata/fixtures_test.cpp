// The shared fixtures against the reference tools' recorded outputs (fixtures/era/expected/).
#include <catch2/catch.hpp>

#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"
#include "fixture_util.hpp"

using namespace era_metadata;
using era_test::blocks_xml_0_9;
using era_test::fixture_path;
using era_test::load_gz;
using era_test::read_text;

namespace {

// expected/<name>.inv<N>[.snap].<tool>.xml holds stdout+stderr then "exit=<rc>".
std::string expected_blocks(const std::string& file) {
  std::string s = read_text(fixture_path("era/expected/" + file));
  const auto pos = s.rfind("exit=");
  REQUIRE(pos != std::string::npos);
  REQUIRE(s.substr(pos) == "exit=0\n");
  return s.substr(0, pos);
}

std::string ours(const MetadataSource& src, std::uint32_t n, bool snap) {
  WrittenSinceOptions o;
  o.since_era = n;
  o.superblock = snap ? SuperblockChoice::kMetadataSnapshot : SuperblockChoice::kLive;
  return blocks_xml_0_9(read_written_since(src, o).blocks);
}

}  // namespace

TEST_CASE("written-since is byte-identical to 0.9 era_invalidate on every good fixture") {
  for (std::string name : {"f1", "f2_no_writesets", "f3_overlap", "f4_current_ws", "emeta_snap"}) {
    MemoryMetadataSource src(load_gz("era/" + name + ".bin.gz"));
    for (std::uint32_t n = 0; n <= 6; ++n) {
      INFO(name << " --written-since " << n);
      CHECK(ours(src, n, false) == expected_blocks(name + ".inv" + std::to_string(n) + ".0.9.xml"));
    }
  }
}

TEST_CASE("other images of the same metadata give the same answers") {
  // f1_rs (Rust restorer layout, flags=1) and rt_f1 (round trip) hold f1's content.
  MemoryMetadataSource f1(load_gz("era/f1.bin.gz"));
  for (std::string name : {"f1_rs", "rt_f1"}) {
    MemoryMetadataSource src(load_gz("era/" + name + ".bin.gz"));
    for (std::uint32_t n = 0; n <= 6; ++n) CHECK(ours(src, n, false) == ours(f1, n, false));
  }
}

TEST_CASE(
    "metadata-snapshot option reads the snapshot superblock (0.9 bug #192 fixed): matches 1.1") {
  MemoryMetadataSource src(load_gz("era/emeta_snap.bin.gz"));
  for (std::uint32_t n = 0; n <= 4; ++n) {
    INFO("--written-since " << n);
    // 1.1 prints no final newline, and its range syntax is end="E": normalise to 0.9 syntax.
    std::string want = expected_blocks("emeta_snap.inv" + std::to_string(n) + ".snap.1.1.xml");
    for (auto p = want.find("end=\""); p != std::string::npos; p = want.find("end=\"", p)) {
      want.replace(p, 5, "end = \"");
      p += 7;
    }
    CHECK(ours(src, n, true) == want + "\n");
    // And 0.9 printed the live superblock's answer here, which differs for N = 3.
  }
  CHECK(ours(src, 3, true) != expected_blocks("emeta_snap.inv3.snap.0.9.xml"));
}

TEST_CASE("kernel-written images: snapshot and many-era answers") {
  MemoryMetadataSource k2(load_gz("era/kernel/k2_live_with_snap.bin.gz"));
  std::string want = read_text(fixture_path("era/kernel/k2.snapshot-written-since-1.rust-1.1.xml"));
  for (auto p = want.find("end=\""); p != std::string::npos; p = want.find("end=\"", p)) {
    want.replace(p, 5, "end = \"");
    p += 7;
  }
  if (want.empty() || want.back() != '\n') want += "\n";
  CHECK(ours(k2, 1, true) == want);
  CHECK(ours(k2, 1, true) !=
        read_text(fixture_path("era/kernel/k2.snapshot-written-since-1.c++-0.9-WRONG.xml")));
  MemoryMetadataSource k3(load_gz("era/kernel/k3_offline_many_eras.bin.gz"));
  CHECK(ours(k3, 10, false) ==
        read_text(fixture_path("era/kernel/k3.written-since-10.c++-0.9.xml")));
  MemoryMetadataSource k1(load_gz("era/kernel/k1_fresh_era1.bin.gz"));
  CHECK(ours(k1, 1, false) == "<blocks>\n</blocks>\n");
}

TEST_CASE("writeset bits beyond nr_blocks are dropped (0.9 reports them)") {
  MemoryMetadataSource src(load_gz("era/xmlcases/x5_ws_nr_bits_larger.0.9.bin.gz"));
  const std::string got = ours(src, 1, false);
  CHECK(got.find("block=\"99\"") == std::string::npos);
  WrittenSinceOptions o;
  o.since_era = 1;
  CHECK(read_written_since(src, o).blocks.size() == 10);
}
