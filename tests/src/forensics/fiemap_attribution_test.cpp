// The FIEMAP attribution: the intersection with a fake extent source (physical offsets chosen by
// the test), and fiemap_extents on a real file of the host filesystem (its offsets are the host
// disk's, so only lengths and order are checked).
#include "src/forensics/fiemap_attribution.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_path.hpp"

namespace schelk {
namespace {

class FakeSource : public FileExtentSource {
 public:
  std::vector<FileExtents> entries;
  void for_each(const std::function<void(const FileExtents&)>& visit) override {
    for (const auto& e : entries) visit(e);
  }
  std::vector<std::string> problems() const override { return {"/gone: No such file"}; }
};

uint64_t kind_bytes(const FileAttribution& a, const std::string& kind) {
  for (const auto& m : a.metadata) {
    if (m.kind == kind) return m.bytes;
  }
  return ~uint64_t{0};
}

TEST_CASE("extents are intersected with the written set byte-exactly", "[fiemap]") {
  FakeSource src;
  src.entries = {
      {"/db/a.bin", 12, false, {{0, 8192}, {65536, 4096}}},  // 8 KiB + 4 KiB
      {"/db/b.bin", 13, false, {{1 << 20, 1 << 20}}},        // not written
      {"/db", 11, true, {{16384, 4096}}},                    // directory block
      {"/c", 14, false, {{6000, 100}}},                      // a tail inside one block
  };
  // Era blocks of 4 KiB: 0..3 (0..16 KiB) and 16 (64..68 KiB), 4 and 5 (16..24 KiB).
  const std::vector<BlockRange> ranges = {{0, 2}, {4, 6}, {16, 17}};
  FileAttribution a;
  a.source = "fiemap";
  attribute_extents(src, ranges, 4096, 1 << 30, a);
  CHECK(a.written_bytes == 5 * 4096);
  REQUIRE(a.files.size() == 2);
  CHECK(a.files[0].path == "/db/a.bin");
  CHECK(a.files[0].bytes == 12288);
  CHECK(a.files[1].path == "/c");
  CHECK(a.files[1].bytes == 100);
  CHECK(kind_bytes(a, "directory") == 4096);
  CHECK(a.unattributed_bytes == 5 * 4096 - 12288 - 100 - 4096);
  REQUIRE(a.notes.size() == 1);
  CHECK(a.notes[0] == "not read: /gone: No such file");
}

TEST_CASE("metadata found before is kept and counted", "[fiemap]") {
  FakeSource src;
  src.entries = {{"/x", 12, false, {{0, 4096}}}};
  FileAttribution a;
  a.metadata = empty_metadata();
  add_metadata(a.metadata, "journal", 4096);
  attribute_extents(src, {{0, 3}}, 4096, 1 << 30, a);
  CHECK(kind_bytes(a, "journal") == 4096);
  CHECK(a.unattributed_bytes == 4096);
}

TEST_CASE("fiemap_extents of a host file cover its data", "[fiemap]") {
  // The build tree, not /tmp: tmpfs has no FIEMAP.
  test::TempDir dir;
  const auto path = dir.path() / "f";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(256 << 10, 'x');
  }
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::fsync(fd);  // allocate now: delayed allocation has no physical place yet
  std::vector<PhysicalExtent> extents;
  try {
    extents = fiemap_extents(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  uint64_t total = 0;
  for (const auto& x : extents) total += x.length;
  CHECK(total >= 256 << 10);
  CHECK(total < (256 << 10) + (1 << 20));
}

TEST_CASE("MountedTree walks files once per inode with paths from the root", "[fiemap]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "d");
  std::ofstream(dir.path() / "d" / "f") << std::string(8192, 'y');
  std::filesystem::create_hard_link(dir.path() / "d" / "f", dir.path() / "g");
  std::filesystem::create_symlink("d/f", dir.path() / "s");
  MountedTree tree(dir.path().string() + "/");
  std::vector<std::string> files, dirs;
  tree.for_each([&](const FileExtents& f) { (f.directory ? dirs : files).push_back(f.path); });
  std::sort(dirs.begin(), dirs.end());
  CHECK(dirs == std::vector<std::string>{"/", "/d"});
  REQUIRE(files.size() == 1);  // the hard link once, the symlink not
  CHECK((files[0] == "/d/f" || files[0] == "/g"));
  CHECK(tree.problems().empty());
}

}  // namespace
}  // namespace schelk
