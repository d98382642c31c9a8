// The used-block map of `send --full` against dumpe2fs's "Free blocks:" lists of the same image
// (mke2fs -d from a tree, then a file deleted with debugfs): every used filesystem block is in a
// range, no range holds a whole era block that dumpe2fs calls free; era blocks larger and smaller
// than filesystem blocks; another filesystem is NotExt4Error.
#include "src/forensics/ext4_used_blocks.hpp"

#include "src/forensics/ext4_attribution.hpp"
#include "tests/src/forensics/ext4_image.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;
using schelk::test::sh;

namespace {

// dumpe2fs's free blocks, as a set of filesystem block numbers.
std::set<uint64_t> free_blocks(const std::string& image) {
  std::set<uint64_t> out;
  const std::regex range(R"((\d+)(?:-(\d+))?)");
  std::istringstream in(sh("dumpe2fs '" + image + "' 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("  Free blocks: ");
    if (at == std::string::npos) continue;
    const std::string list = line.substr(at + 15);
    for (auto it = std::sregex_iterator(list.begin(), list.end(), range);
         it != std::sregex_iterator(); ++it) {
      const uint64_t a = std::stoull((*it)[1]);
      const uint64_t b = (*it)[2].matched ? std::stoull((*it)[2]) : a;
      for (uint64_t x = a; x <= b; ++x) out.insert(x);
    }
  }
  return out;
}

bool covered(const std::vector<BlockRange>& ranges, uint64_t block) {
  for (const auto& r : ranges) {
    if (block >= r.begin && block < r.end) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("ext4 used blocks: dumpe2fs's used blocks, nothing wholly free", "[forensics]") {
  test::require_e2fsprogs();
  test::TempDir dir;
  const auto tree = dir.path() / "tree";
  std::filesystem::create_directories(tree / "d");
  sh("head -c 300000 /dev/urandom > '" + (tree / "a").string() + "'");
  sh("head -c 70000 /dev/urandom > '" + (tree / "d" / "b").string() + "'");
  sh("head -c 500000 /dev/urandom > '" + (tree / "gone").string() + "'");
  for (const uint64_t fs_block : {1024u, 4096u}) {
    const std::string img = (dir.path() / ("img" + std::to_string(fs_block))).string();
    sh("mke2fs -q -F -t ext4 -b " + std::to_string(fs_block) + " -d '" + tree.string() + "' '" +
       img + "' 16M");
    sh("debugfs -w -R 'rm /gone' '" + img + "' 2>/dev/null");
    const auto free = free_blocks(img);
    const uint64_t fs_blocks = (16u << 20) / fs_block;
    REQUIRE(free.size() > fs_blocks / 2);  // a mostly empty filesystem
    for (const uint64_t era_block : {1024u, 4096u, 65536u}) {
      INFO("fs block " << fs_block << ", era block " << era_block);
      const auto used = ext4_used_ranges(img, era_block, 16u << 20);
      uint64_t carried = 0;
      for (const auto& r : used) carried += r.end - r.begin;
      for (uint64_t b = 0; b < fs_blocks; ++b) {
        if (!free.count(b)) REQUIRE(covered(used, b * fs_block / era_block));
      }
      // An era block is carried only when some filesystem block in it is used.
      for (const auto& r : used) {
        for (uint64_t e = r.begin; e < r.end; ++e) {
          bool any = e == 0;
          for (uint64_t b = e * era_block / fs_block;
               b < std::max<uint64_t>((e + 1) * era_block / fs_block, e * era_block / fs_block + 1);
               ++b) {
            any = any || !free.count(b);
          }
          REQUIRE(any);
        }
      }
      CHECK(carried * era_block < (16u << 20) / 2);  // a half-empty volume ships less than half
    }
  }
}

TEST_CASE("ext4 used blocks: another filesystem is NotExt4Error", "[forensics]") {
  test::TempFile f;
  sh("head -c 1048576 /dev/zero > '" + f.path() + "'");
  CHECK_THROWS_AS(ext4_used_ranges(f.path(), 4096, 1 << 20), NotExt4Error);
}
