#include "src/mount/mount.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/temp_path.hpp"

using namespace schelk;

TEST_CASE("/proc/mounts fields: octal escapes and exact targets") {
  CHECK(decode_mounts_field("/mnt/with\\040space") == "/mnt/with space");
  CHECK(decode_mounts_field("/a\\011b\\134c") == "/a\tb\\c");
  CHECK(decode_mounts_field("/trailing\\04") == "/trailing\\04");
  const std::string mounts =
      "/dev/mapper/bench_era /schelk ext4 rw,relatime 0 0\n"
      "tmpfs /mnt/with\\040space tmpfs rw 0 0\n";
  CHECK(mounts_contain_target(mounts, "/schelk"));
  CHECK(mounts_contain_target(mounts, "/mnt/with space"));
  CHECK(!mounts_contain_target(mounts, "/schel"));
  CHECK(!mounts_contain_target(mounts, "/schelk/sub"));
}

TEST_CASE("path_is_under") {
  CHECK(path_is_under("/schelk", "/schelk"));
  CHECK(path_is_under("/schelk/a/b", "/schelk"));
  CHECK(!path_is_under("/schelk2", "/schelk"));
  CHECK(!path_is_under("/", "/schelk"));
  CHECK(path_is_under("/x", "/"));
}

TEST_CASE("blockers are found from cwd / root and fd links of a /proc tree") {
  test::TempDir proc;
  namespace fs = std::filesystem;
  auto make_pid = [&](const std::string& pid, const std::string& cwd, const std::string& root,
                      std::vector<std::string> fds, const std::string& cmdline) {
    fs::create_directories(proc / pid / "fd");
    fs::create_symlink(cwd, proc / pid / "cwd");
    fs::create_symlink(root, proc / pid / "root");
    for (size_t i = 0; i < fds.size(); ++i) {
      fs::create_symlink(fds[i], proc / pid / "fd" / std::to_string(i));
    }
    std::ofstream(proc / pid / "cmdline") << cmdline;
  };
  make_pid("10", "/schelk/db", "/", {}, std::string("postgres\0-D\0/schelk/db", 22));
  make_pid("11", "/home", "/", {"/dev/null", "/schelk/file"}, "cat");
  make_pid("12", "/home", "/schelk", {}, "chrooted");
  make_pid("13", "/home", "/", {"/schelk2/x", "socket:[123]"}, "innocent");
  make_pid("14", "/schelk2", "/", {}, "innocent2");
  fs::create_directories(proc / "self");  // non-numeric entries are skipped
  auto blockers = find_blockers("/schelk", proc.path().string());
  std::sort(blockers.begin(), blockers.end(),
            [](const Blocker& a, const Blocker& b) { return a.pid < b.pid; });
  REQUIRE(blockers.size() == 3);
  CHECK(blockers[0].pid == 10);
  CHECK(blockers[0].cmdline == "postgres -D /schelk/db");
  CHECK(blockers[1].pid == 11);
  CHECK(blockers[2].pid == 12);
}

TEST_CASE("SystemMounter reads the mounts table of the procfs root it is given") {
  test::TempDir proc;
  const std::string mnt = (proc / "mnt").string();
  std::filesystem::create_directories(mnt);
  std::ofstream(proc / "mounts") << "/dev/sda1 / ext4 rw 0 0\n"
                                 << "/dev/mapper/bench_era " << mnt << " ext4 rw 0 0\n";
  std::ostringstream log;
  SystemMounter m(proc.path(), log);
  CHECK(m.is_mounted("/"));
  CHECK(m.is_mounted(mnt));
  CHECK(m.is_mounted(mnt + "/"));  // canonicalised
  CHECK(!m.is_mounted((proc / "elsewhere").string()));
  CHECK(log.str().empty());
}

TEST_CASE("mountinfo: the mount points of one device, decoded, in order") {
  const std::string info =
      "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
      "40 22 253:0 / /mnt/bench rw - ext4 /dev/mapper/bench_era rw\n"
      "41 22 253:1 / /mnt/other rw - ext4 /dev/mapper/x rw\n"
      "42 22 253:0 /sub /srv/with\\040space rw - ext4 /dev/mapper/bench_era rw\n"
      "garbage\n";
  CHECK(mountinfo_points_of(info, 253, 0) ==
        std::vector<std::string>{"/mnt/bench", "/srv/with space"});
  CHECK(mountinfo_points_of(info, 253, 2).empty());
  CHECK(mountinfo_points_of(info, 25, 30).empty());  // "25:30" is no prefix match of "253:0"
}
