// attribute_ext4 against e2fsprogs' own answers: images made with mke2fs -d from known trees
// (files, a hard link, a sparse file with an extent tree block, a deleted file), written sets of
// a file's blocks or random blocks, era blocks larger and smaller than fs blocks; debugfs
// icheck/ncheck/testb/stat give the expected bytes per file and kind.
#include "src/forensics/ext4_attribution.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/src/forensics/ext4_image.hpp"
#include "tests/support/temp_path.hpp"

namespace schelk {
namespace {

using test::sh;

void write_file(const std::filesystem::path& p, uint64_t size, char fill) {
  std::ofstream(p, std::ios::binary) << std::string(size, fill);
}

// A tree with every case, as an ext4 image of 64 MiB in `dir`/img, fs block `fs_block`.
struct Image {
  test::TempDir dir;
  std::string img;
  uint64_t fs_block;
  uint64_t fs_blocks;
  std::vector<uint64_t> deleted_blocks;  // blocks /del.bin had before debugfs rm

  explicit Image(uint64_t block = 4096) : fs_block(block) {
    test::require_e2fsprogs();
    const auto tree = dir.path() / "tree";
    std::filesystem::create_directories(tree / "sub" / "deeper");
    write_file(tree / "a.bin", 100000, 'a');  // not a multiple of the block size
    write_file(tree / "b.bin", 1 << 20, 'b');
    write_file(tree / "sub" / "deeper" / "c.bin", 12288, 'c');
    write_file(tree / "del.bin", 200000, 'd');
    std::filesystem::create_hard_link(tree / "a.bin", tree / "sub" / "link");
    {
      // 200 fragments: more than the inode's 4 extents, so an extent tree block (depth 1).
      std::fstream f(tree / "sparse.bin", std::ios::out | std::ios::binary);
      for (int i = 0; i < 200; ++i) {
        f.seekp(i * 65536);
        f << std::string(4096, 's');
      }
    }
    img = (dir.path() / "img").string();
    sh("mke2fs -q -F -t ext4 -d '" + tree.string() + "' -b " + std::to_string(fs_block) + " '" +
       img + "' 64M 2>&1");
    deleted_blocks = test::file_blocks(img, "/del.bin");
    REQUIRE(!deleted_blocks.empty());
    sh("debugfs -w -R 'rm /del.bin' '" + img + "' 2>&1");
    fs_blocks = (uint64_t{64} << 20) / fs_block;
  }
};

std::vector<BlockRange> fs_blocks_as_era(const std::set<uint64_t>& blocks, uint64_t fs_block,
                                         uint64_t era_block) {
  // Era blocks covering exactly the given fs blocks (era_block <= fs_block) or containing them.
  std::set<uint64_t> era;
  for (auto b : blocks) {
    if (era_block <= fs_block) {
      for (uint64_t e = b * fs_block / era_block; e < (b + 1) * fs_block / era_block; ++e) {
        era.insert(e);
      }
    } else {
      era.insert(b * fs_block / era_block);
    }
  }
  std::vector<BlockRange> out;
  for (auto e : era) {
    if (!out.empty() && out.back().end == e) {
      out.back().end = e + 1;
    } else {
      out.push_back({e, e + 1});
    }
  }
  return out;
}

uint64_t metadata_bytes(const FileAttribution& a, const std::string& kind) {
  for (const auto& m : a.metadata) {
    if (m.kind == kind) return m.bytes;
  }
  FAIL("no metadata kind " << kind);
  return 0;
}

// What debugfs says the written fs blocks `blocks` (each `weight` bytes written) are.
struct Oracle {
  std::map<uint64_t, uint64_t> file_bytes;  // inode -> bytes
  std::map<uint64_t, std::set<std::string>> names;
  uint64_t directory = 0, extent_tree = 0, journal = 0, static_kinds = 0, free = 0;
};

Oracle ask_debugfs(const Image& im, const std::set<uint64_t>& blocks, uint64_t weight) {
  Oracle o;
  const auto owner = test::icheck(im.img, {blocks.begin(), blocks.end()});
  std::map<uint64_t, std::string> types;
  std::map<uint64_t, std::set<uint64_t>> trees;
  std::set<uint64_t> files;
  std::vector<uint64_t> unowned;
  for (auto b : blocks) {
    if (owner.at(b) == 0 && b != 0) unowned.push_back(b);
  }
  const auto in_use = test::blocks_in_use(im.img, unowned);
  for (auto b : blocks) {
    const uint64_t ino = owner.at(b);
    if (b == 0) {
      // testb refuses block 0: the superblock (4 KiB blocks) or the boot area before it (1 KiB
      // blocks, in no bitmap), both counted under superblock by schelk.
      o.static_kinds += weight;
      continue;
    }
    if (ino == 0) {
      (in_use.at(b) ? o.static_kinds : o.free) += weight;
      continue;
    }
    if (ino == 7) {  // the resize inode: reserved GDT blocks
      o.static_kinds += weight;
      continue;
    }
    if (ino == 8) {
      o.journal += weight;
      continue;
    }
    if (!types.count(ino)) {
      types[ino] = test::inode_type(im.img, ino);
      trees[ino] = test::tree_blocks(im.img, ino);
    }
    if (trees[ino].count(b)) {
      o.extent_tree += weight;
    } else if (types[ino] == "directory") {
      o.directory += weight;
    } else {
      o.file_bytes[ino] += weight;
      files.insert(ino);
    }
  }
  o.names = test::ncheck(im.img, files);
  return o;
}

void check_against(const FileAttribution& a, const Oracle& o) {
  std::map<uint64_t, uint64_t> got;
  for (const auto& f : a.files) {
    got[f.inode] = f.bytes;
    INFO("inode " << f.inode);
    REQUIRE(f.path.has_value());
    CHECK(o.names.at(f.inode).count(*f.path) == 1);  // one of its names (hard links)
  }
  CHECK(got == o.file_bytes);
  CHECK(metadata_bytes(a, "directory") == o.directory);
  CHECK(metadata_bytes(a, "extent_tree") == o.extent_tree);
  CHECK(metadata_bytes(a, "journal") == o.journal);
  CHECK(metadata_bytes(a, "reserved_inodes") == 0);
  const uint64_t statics = metadata_bytes(a, "superblock") +
                           metadata_bytes(a, "group_descriptors") +
                           metadata_bytes(a, "block_bitmap") + metadata_bytes(a, "inode_bitmap") +
                           metadata_bytes(a, "inode_table");
  CHECK(statics == o.static_kinds);
  CHECK(a.unattributed_bytes == o.free);
}

std::set<uint64_t> random_blocks(uint64_t fs_blocks, size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::set<uint64_t> out;
  while (out.size() < n) out.insert(rng() % fs_blocks);
  return out;
}

TEST_CASE("all blocks of one file are that file's bytes", "[ext4]") {
  Image im;
  const auto blocks = test::file_blocks(im.img, "/b.bin");
  REQUIRE(blocks.size() == 256);
  const std::set<uint64_t> set(blocks.begin(), blocks.end());
  const auto a = attribute_ext4(im.img, fs_blocks_as_era(set, 4096, 4096), 4096, 64 << 20);
  REQUIRE(a.files.size() == 1);
  CHECK(a.files[0].path == "/b.bin");
  CHECK(a.files[0].bytes == uint64_t{1} << 20);
  CHECK(a.written_bytes == uint64_t{1} << 20);
  CHECK(a.unattributed_bytes == 0);
  check_against(a, ask_debugfs(im, set, 4096));
}

TEST_CASE("a hard-linked file is counted once under its first name", "[ext4]") {
  Image im;
  const auto blocks = test::file_blocks(im.img, "/a.bin");
  const std::set<uint64_t> set(blocks.begin(), blocks.end());
  const auto a = attribute_ext4(im.img, fs_blocks_as_era(set, 4096, 4096), 4096, 64 << 20);
  REQUIRE(a.files.size() == 1);
  CHECK(a.files[0].path == "/a.bin");  // the root directory comes before /sub
  CHECK(a.files[0].bytes == blocks.size() * 4096);
}

TEST_CASE("a sparse file's extent tree block counts as extent_tree", "[ext4]") {
  Image im;
  const auto blocks = test::file_blocks(im.img, "/sparse.bin");
  REQUIRE(blocks.size() == 201);  // 200 data blocks and one tree block
  const std::set<uint64_t> set(blocks.begin(), blocks.end());
  const auto a = attribute_ext4(im.img, fs_blocks_as_era(set, 4096, 4096), 4096, 64 << 20);
  REQUIRE(a.files.size() == 1);
  CHECK(a.files[0].path == "/sparse.bin");
  CHECK(a.files[0].bytes == 200 * 4096);
  CHECK(metadata_bytes(a, "extent_tree") == 4096);
  check_against(a, ask_debugfs(im, set, 4096));
}

TEST_CASE("a deleted file's blocks are unattributed", "[ext4]") {
  Image im;
  const std::set<uint64_t> set(im.deleted_blocks.begin(), im.deleted_blocks.end());
  const auto a = attribute_ext4(im.img, fs_blocks_as_era(set, 4096, 4096), 4096, 64 << 20);
  CHECK(a.files.empty());
  CHECK(a.unattributed_bytes == set.size() * 4096);
  check_against(a, ask_debugfs(im, set, 4096));
}

TEST_CASE("random blocks match debugfs icheck/ncheck", "[ext4]") {
  Image im;
  // Random blocks plus the start of the volume (superblock, descriptors, bitmaps, inode table)
  // and every file's blocks, so each kind has bytes.
  auto set = random_blocks(im.fs_blocks, 300, 11);
  for (uint64_t b = 0; b < 64; ++b) set.insert(b);
  for (const char* f : {"/a.bin", "/b.bin", "/sparse.bin", "/sub/deeper/c.bin"}) {
    const auto blocks = test::file_blocks(im.img, f);
    for (size_t i = 0; i < blocks.size(); i += 3) set.insert(blocks[i]);
  }
  for (const char* d : {"/", "/sub", "/sub/deeper"}) {
    for (auto b : test::file_blocks(im.img, d)) set.insert(b);
  }
  SECTION("era block = fs block") {
    const auto a = attribute_ext4(im.img, fs_blocks_as_era(set, 4096, 4096), 4096, 64 << 20);
    check_against(a, ask_debugfs(im, set, 4096));
    CHECK(a.written_bytes == set.size() * 4096);
  }
  SECTION("era blocks of 1 KiB: a quarter of each fs block written") {
    std::vector<BlockRange> era;
    for (auto b : set) era.push_back({b * 4, b * 4 + 1});
    const auto a = attribute_ext4(im.img, era, 1024, 64 << 20);
    check_against(a, ask_debugfs(im, set, 1024));
  }
  SECTION("era blocks of 64 KiB cover 16 fs blocks each") {
    const auto era = fs_blocks_as_era(set, 4096, 65536);
    std::set<uint64_t> covered;
    for (const auto& r : era) {
      for (uint64_t b = r.begin * 16; b < r.end * 16; ++b) covered.insert(b);
    }
    const auto a = attribute_ext4(im.img, era, 65536, 64 << 20);
    check_against(a, ask_debugfs(im, covered, 4096));
  }
}

TEST_CASE("1 KiB fs blocks under 4 KiB era blocks", "[ext4]") {
  Image im(1024);
  auto set = random_blocks(im.fs_blocks, 200, 5);
  for (uint64_t b = 0; b < 16; ++b) set.insert(b);  // boot block, superblock, descriptors
  for (auto b : test::file_blocks(im.img, "/b.bin")) set.insert(b);
  std::set<uint64_t> era_blocks;
  for (auto b : set) era_blocks.insert(b / 4);
  std::set<uint64_t> covered;
  std::vector<BlockRange> era;
  for (auto e : era_blocks) {
    era.push_back({e, e + 1});
    for (uint64_t b = e * 4; b < e * 4 + 4; ++b) covered.insert(b);
  }
  const auto a = attribute_ext4(im.img, era, 4096, 64 << 20);
  check_against(a, ask_debugfs(im, covered, 1024));
}

TEST_CASE("the whole device written: unattributed is the free space", "[ext4]") {
  for (uint64_t fs_block : {uint64_t{1024}, uint64_t{4096}}) {
    Image im(fs_block);
    const auto a = attribute_ext4(im.img, {{0, (64 << 20) / 4096}}, 4096, 64 << 20);
    const auto stats = test::debugfs(im.img, "stats");
    std::smatch m;
    REQUIRE(std::regex_search(stats, m, std::regex("Free blocks: +([0-9]+)")));
    CHECK(a.unattributed_bytes == std::stoull(m[1]) * fs_block);
    CHECK(a.written_bytes == uint64_t{64} << 20);
    std::set<std::string> paths;
    for (const auto& f : a.files) paths.insert(f.path.value_or("?"));
    CHECK(paths == std::set<std::string>{"/a.bin", "/b.bin", "/sparse.bin", "/sub/deeper/c.bin"});
  }
}

TEST_CASE("not ext4 or damaged: a one-line error naming the device", "[ext4]") {
  test::TempDir dir;
  const auto zeros = (dir.path() / "zeros").string();
  write_file(zeros, 1 << 20, '\0');
  try {
    attribute_ext4(zeros, {{0, 1}}, 4096, 1 << 20);
    FAIL("no error");
  } catch (const NotExt4Error& e) {
    const std::string what = e.what();
    CHECK(what.find(zeros) != std::string::npos);
    CHECK(what.find("Bad magic number") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  Image im;
  std::filesystem::resize_file(im.img, 128 << 10);  // superblock kept, inode tables cut off
  CHECK_THROWS_AS(attribute_ext4(im.img, {{0, 16384}}, 4096, 64 << 20), Ext4Error);
  CHECK_THROWS_AS(attribute_ext4((dir.path() / "missing").string(), {}, 4096, 0), Ext4Error);
}

}  // namespace
}  // namespace schelk
