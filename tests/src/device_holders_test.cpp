// What holds a busy device (issue 10 item 7), read from fake procfs and sysfs trees in a temp
// dir: mounts by major:minor, device-mapper devices stacked on it, processes with it open.
#include "src/volume/device_holders.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_path.hpp"

using namespace schelk;
namespace fs = std::filesystem;

namespace {

// proc/ and sys/ under a temp dir, and a file standing for the device node (matched by inode).
struct Tree {
  test::TempDir dir;
  fs::path proc = dir / "proc";
  fs::path sys = dir / "sys";
  std::string device = (dir / "ram0").string();
  dev_t dev = makedev(1, 0);

  Tree() {
    fs::create_directories(proc / "self");
    fs::create_directories(sys / "dev" / "block" / "1:0" / "holders");
    std::ofstream(device) << "d";
    std::ofstream(proc / "self" / "mountinfo") << "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
                                               << "25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";
  }
  void mount(const std::string& majmin, const std::string& mount_point) {
    std::ofstream(proc / "self" / "mountinfo", std::ios::app)
        << "40 25 " << majmin << " / " << mount_point << " rw,relatime - ext4 /dev/x rw\n";
  }
  void holder(const std::string& name, const std::string& dm_name) {
    std::ofstream(sys / "dev" / "block" / "1:0" / "holders" / name);
    if (!dm_name.empty()) {
      fs::create_directories(sys / "class" / "block" / name / "dm");
      std::ofstream(sys / "class" / "block" / name / "dm" / "name") << dm_name << "\n";
    }
  }
  void process(int pid, const std::string& comm, const std::string& target) {
    const auto p = proc / std::to_string(pid);
    fs::create_directories(p / "fd");
    std::ofstream(p / "comm") << comm << "\n";
    fs::create_symlink("/dev/null", p / "fd" / "0");
    fs::create_symlink(target, p / "fd" / "3");
  }
  std::string describe() { return busy_device_holders(proc, sys, dev, device); }
};

}  // namespace

TEST_CASE("busy device: mounts, stacked device-mapper devices and openers are named") {
  Tree t;
  CHECK(t.describe() ==
        " Nothing found holding it (no mount, stacked device or process with it open that this "
        "process can see): another mount namespace or a kernel driver may hold it.");
  t.mount("1:0", "/mnt/bench\\040data");  // mountinfo escapes the space
  t.mount("1:01", "/not/this");           // another key, not a prefix match
  t.mount("11:0", "/nor/this");
  CHECK(t.describe() == " What holds it: mounted at /mnt/bench data.");
  t.mount("1:0", "/srv/again");
  t.holder("dm-3", "schelk-era");
  t.holder("md0", "");
  t.process(4242, "fio", t.device);
  t.process(77, "bash", (t.dir / "other").string());          // another file: not an opener
  t.process(static_cast<int>(::getpid()), "self", t.device);  // this process: left out
  CHECK(t.describe() ==
        " What holds it: mounted at /mnt/bench data, /srv/again; device-mapper device "
        "schelk-era (dm-3), md0 stacked on it; open in process 4242 (fio).");
}

TEST_CASE("busy device: many openers are counted after the first five") {
  Tree t;
  for (int pid = 101; pid <= 107; ++pid) t.process(pid, "dd", t.device);
  const DeviceHolders h = find_device_holders(t.proc, t.sys, t.dev, t.device);
  CHECK(h.openers.size() == 7);
  CHECK(h.mount_points.empty());
  CHECK(h.stacked.empty());
  const std::string text = describe_holders(h);
  CHECK(text.rfind(" What holds it: open in processes ", 0) == 0);
  CHECK(text.find(", and 2 more.") != std::string::npos);
}
