// `schelk written --metadata PATH --device IMG --files` through the binary: dm-era metadata made
// with schelk's era_restore from XML marking a file's blocks (from debugfs) written, over an
// ext4 image made with mke2fs -d; the JSON fields and the usage errors.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/src/forensics/ext4_image.hpp"
#include "tests/support/temp_path.hpp"

namespace {

using schelk::test::sh;

struct Fixture {
  schelk::test::TempDir dir;
  std::string img, meta;
  std::vector<uint64_t> blocks;  // /b.bin's

  Fixture() {
    schelk::test::require_e2fsprogs();
    const auto tree = dir.path() / "tree";
    std::filesystem::create_directories(tree / "db");
    std::ofstream(tree / "db" / "b.bin") << std::string(300000, 'b');
    std::ofstream(tree / "other.bin") << std::string(50000, 'o');
    img = (dir.path() / "img").string();
    sh("mke2fs -q -F -t ext4 -b 4096 -d '" + tree.string() + "' '" + img + "' 64M 2>&1");
    blocks = schelk::test::file_blocks(img, "/db/b.bin");
    REQUIRE(blocks.size() == 74);
    // Era 2 wrote /db/b.bin's blocks (4 KiB era blocks over 64 MiB).
    const uint64_t n = 16384;
    std::ofstream xml(dir.path() / "meta.xml");
    xml << "<superblock uuid=\"\" block_size=\"8\" nr_blocks=\"" << n << "\" current_era=\"2\">\n"
        << "  <writeset era=\"2\" nr_bits=\"" << n << "\">\n";
    for (auto b : blocks) xml << "    <bit block=\"" << b << "\" value=\"true\"/>\n";
    xml << "  </writeset>\n  <era_array>\n";
    const std::set<uint64_t> set(blocks.begin(), blocks.end());
    for (uint64_t b = 0; b < n; ++b) {
      xml << "    <era block=\"" << b << "\" era=\"" << (set.count(b) ? 1 : 0) << "\"/>\n";
    }
    xml << "  </era_array>\n</superblock>\n";
    xml.close();
    meta = (dir.path() / "meta.bin").string();
    std::filesystem::create_symlink(SCHELK_BINARY, dir.path() / "era_restore");
    sh("truncate -s 4M '" + meta + "' && '" + (dir.path() / "era_restore").string() + "' -i '" +
       (dir.path() / "meta.xml").string() + "' -o '" + meta + "' 2>&1");
  }
};

TEST_CASE("written --metadata --device --files --json names the written file") {
  Fixture f;
  const auto r =
      schelk::test::run_shell(std::string(SCHELK_BINARY) + " written --metadata '" + f.meta +
                              "' --since 2 --files --device '" + f.img + "' --json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["bytes"] == 74 * 4096);
  CHECK(j["files_source"] == "libext2fs");
  REQUIRE(j["files"].size() == 1);
  CHECK(j["files"][0]["path"] == "/db/b.bin");
  CHECK(j["files"][0]["bytes"] == 74 * 4096);
  CHECK(j["files"][0]["inode"].is_number_unsigned());
  CHECK(j["files_omitted"] == nlohmann::json{{"count", 0}, {"bytes", 0}});
  REQUIRE(j["metadata"].size() == 9);
  for (const auto& m : j["metadata"]) {
    CHECK(m["kind"].is_string());
    CHECK(m["bytes"] == 0);
  }
  CHECK(j["unattributed_bytes"] == 0);
  CHECK(j["files_notes"].is_array());
  const auto text =
      schelk::test::run_shell(std::string(SCHELK_BINARY) + " written --metadata '" + f.meta +
                              "' --since 2 --files --device '" + f.img + "'");
  CHECK(text.status == 0);
  CHECK(text.output.find("Files: 1 written") != std::string::npos);
  CHECK(text.output.find("  /db/b.bin\n") != std::string::npos);
  CHECK(text.output.find("Metadata: none\n") != std::string::npos);
}

TEST_CASE("written --files usage errors name what to give") {
  Fixture f;
  const std::string base = std::string(SCHELK_BINARY) + " written --metadata '" + f.meta + "'";
  auto r = schelk::test::run_shell(base + " --files 2>&1");
  CHECK(r.status == 1);
  CHECK(r.output.find("--files with --metadata needs --device PATH") != std::string::npos);
  r = schelk::test::run_shell(base + " --device '" + f.img + "' 2>&1");
  CHECK(r.status == 1);
  CHECK(r.output.find("--device names the filesystem") != std::string::npos);
  r = schelk::test::run_shell(base + " --files --ranges --device '" + f.img + "' 2>&1");
  CHECK(r.status == 1);
  CHECK(r.output.find("--files and --ranges") != std::string::npos);
  // Not a filesystem: the note, every byte unattributed.
  r = schelk::test::run_shell(base + " --since 2 --files --json --device '" + f.meta + "'");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["files"].empty());
  CHECK(j["unattributed_bytes"] == 74 * 4096);
  CHECK(j["files_notes"][0].get<std::string>().find("not an ext2/3/4 filesystem") == 0);
}

}  // namespace
