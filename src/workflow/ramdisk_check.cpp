// Ramdisk and alias checks over the sysfs block topology; see ramdisk_check.hpp.
#include "src/workflow/ramdisk_check.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

#include "base/posix_io.hpp"
#include "base/strings.hpp"
#include "src/volume/device_holders.hpp"
#include "src/volume/volume.hpp"

namespace schelk {
namespace {

namespace fs = std::filesystem;

std::string dev_key(dev_t d) { return std::to_string(major(d)) + ":" + std::to_string(minor(d)); }

std::optional<dev_t> parse_dev(std::string_view text) {
  text = base::trim(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  unsigned ma = 0, mi = 0;
  const auto a = std::from_chars(text.data(), text.data() + colon, ma);
  const auto b = std::from_chars(text.data() + colon + 1, text.data() + text.size(), mi);
  if (a.ec != std::errc() || b.ec != std::errc() || b.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return makedev(ma, mi);
}

std::optional<dev_t> read_dev_file(const fs::path& p) {
  const auto text = base::read_text_file(p);
  if (!text) return std::nullopt;
  return parse_dev(*text);
}

// One block device as sysfs shows it.
class Topology {
 public:
  explicit Topology(SystemView& system) : system_(system), sys_(system.sys_root()) {}

  // <sys>/dev/block/M:m resolved (a directory under <sys>/devices), or empty when unknown.
  fs::path dir(dev_t d) const {
    std::error_code ec;
    auto p = fs::canonical(sys_ / "dev" / "block" / dev_key(d), ec);
    return ec ? fs::path() : p;
  }
  std::string name(dev_t d) const { return dir(d).filename().string(); }
  bool is_partition(dev_t d) const {
    const auto p = dir(d);
    return !p.empty() && fs::exists(p / "partition");
  }
  std::optional<dev_t> whole_disk(dev_t d) const {
    if (!is_partition(d)) return d;
    return read_dev_file(dir(d).parent_path() / "dev");
  }
  bool is_loop(dev_t d) const {
    const auto w = whole_disk(d);
    if (!w) return false;
    const auto p = dir(*w);
    return !p.empty() && fs::exists(p / "loop");
  }
  // Devices named in <dir>/holders or <dir>/slaves.
  std::vector<dev_t> linked(dev_t d, const char* which) const {
    std::vector<dev_t> out;
    const auto p = dir(d);
    std::error_code ec;
    if (p.empty() || !fs::is_directory(p / which, ec)) return out;
    for (const auto& e : fs::directory_iterator(p / which, ec)) {
      if (auto n = read_dev_file(sys_ / "class" / "block" / e.path().filename() / "dev")) {
        out.push_back(*n);
      }
    }
    return out;
  }
  std::vector<dev_t> partitions(dev_t d) const {
    std::vector<dev_t> out;
    const auto p = dir(d);
    std::error_code ec;
    if (p.empty() || is_partition(d)) return out;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      if (!fs::exists(e.path() / "partition")) continue;
      if (auto n = read_dev_file(e.path() / "dev")) out.push_back(*n);
    }
    return out;
  }
  // The filesystem type mounted from device number `d`, per <proc>/self/mountinfo.
  std::optional<std::string> fstype_of_dev(dev_t d) const {
    std::ifstream in(system_.proc_root() / "self" / "mountinfo");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string id, parent, majmin;
      f >> id >> parent >> majmin;
      if (parse_dev(majmin) != d) continue;
      const auto sep = line.find(" - ");
      if (sep == std::string::npos) continue;
      std::istringstream rest(line.substr(sep + 3));
      std::string type;
      rest >> type;
      return type;
    }
    return std::nullopt;
  }

 private:
  SystemView& system_;
  fs::path sys_;
};

// One of the three devices the checks compare: its path, number and loop backing.
struct Device {
  std::string path;
  std::optional<dev_t> number;
  std::optional<LoopBacking> backing;
};

Device describe(SystemView& system, const Topology& topo, const std::string& path) {
  Device d{path, system.block_device_number(path), std::nullopt};
  if (d.number && topo.is_loop(*d.number)) d.backing = system.loop_backing(path);
  return d;
}

// Devices reached from `start` by following `step` edges transitively (start excluded).
template <typename Step>
std::set<dev_t> closure(dev_t start, Step step) {
  std::set<dev_t> seen;
  std::vector<dev_t> todo{start};
  while (!todo.empty() && seen.size() < 4096) {
    const dev_t d = todo.back();
    todo.pop_back();
    for (dev_t n : step(d)) {
      if (n != start && seen.insert(n).second) todo.push_back(n);
    }
  }
  return seen;
}

// How `a` overlaps `b`, as words that complete "<a> is ... <b>", or nullopt when it does not.
std::optional<std::string> overlap(const Topology& topo, const Device& a, const Device& b) {
  if (a.path == b.path) return "the same device as";
  if (a.number && b.number) {
    const dev_t x = *a.number, y = *b.number;
    if (x == y) return "the same device as";
    if (topo.is_partition(x) && topo.whole_disk(x) == y) return "a partition of";
    if (topo.is_partition(y) && topo.whole_disk(y) == x) return "the whole disk of";
    auto up = [&](dev_t d) {
      auto v = topo.linked(d, "holders");
      for (dev_t p : topo.partitions(d)) v.push_back(p);
      return v;
    };
    auto down = [&](dev_t d) {
      auto v = topo.linked(d, "slaves");
      if (auto w = topo.whole_disk(d); w && *w != d) v.push_back(*w);
      return v;
    };
    if (closure(y, up).count(x)) return "a device stacked on";
    if (closure(y, down).count(x)) return "a device under";
  }
  if (a.backing && b.backing) {
    if (a.backing->dev == b.backing->dev && a.backing->ino == b.backing->ino) {
      return "a loop device over the same file as";
    }
  }
  // A loop device over the other's block device node.
  if (a.backing && b.number && a.backing->rdev != 0 && a.backing->rdev == *b.number) {
    return "a loop device over";
  }
  if (b.backing && a.number && b.backing->rdev != 0 && b.backing->rdev == *a.number) {
    return "the device under the loop device";
  }
  return std::nullopt;
}

// brd (major 1, ramN), zram, or a loop device whose backing file lives on tmpfs or ramfs.
bool ram_backed(const Topology& topo, const Device& d) {
  if (!d.number) return false;
  const auto whole = topo.whole_disk(*d.number);
  if (!whole) return false;
  const std::string name = topo.name(*whole);
  if (major(*whole) == 1 && name.rfind("ram", 0) == 0) return true;
  if (name.rfind("zram", 0) == 0) return true;
  if (d.backing && d.backing->rdev == 0) {
    const auto type = topo.fstype_of_dev(d.backing->dev);
    return type == "tmpfs" || type == "ramfs";
  }
  return false;
}

}  // namespace

void check_ramdisk(SystemView& system, const RamdiskCheck& c) {
  const Topology topo(system);
  const Device ram = describe(system, topo, c.ramdisk);
  const std::string subject = "RAM disk " + c.ramdisk;
  if (!ram.number) {
    // A missing /dev/ramN is the usual case: brd not loaded (the fix says how to load it).
    struct stat st {};
    std::string why;
    if (::stat(c.ramdisk.c_str(), &st) != 0) {
      const int err = errno;
      why = err == ENOENT ? " (no such device)" : " (" + std::system_category().message(err) + ")";
    }
    throw VolumeError(subject + " is not a block device" + why + "; " + c.fix);
  }
  for (const auto& [role, path] : {std::pair{"virgin", &c.virgin}, {"scratch", &c.scratch}}) {
    const Device other = describe(system, topo, *path);
    if (const auto how = overlap(topo, ram, other)) {
      throw VolumeError(subject + " is " + *how + " " + role + " " + *path +
                        ", which mount would overwrite; " + c.fix);
    }
  }
  if (system.exclusively_claimed(c.ramdisk)) {
    throw VolumeError(
        subject +
        " is in use (mounted, claimed by device-mapper, or held open exclusively); release it or " +
        c.fix + "." +
        busy_device_holders(system.proc_root(), system.sys_root(), *ram.number, c.ramdisk));
  }
  if (!c.allow_any && !ram_backed(topo, ram)) {
    throw VolumeError(subject +
                      " is not RAM-backed (brd, zram, or a loop device over a file on tmpfs or "
                      "ramfs), and mount overwrites it; " +
                      c.fix + " (or init with --allow-any-ramdisk if overwriting it is intended)");
  }
}

void reject_volume_aliases(SystemView& system, const std::string& virgin,
                           const std::string& scratch) {
  const Topology topo(system);
  const Device v = describe(system, topo, virgin);
  const Device s = describe(system, topo, scratch);
  if (const auto how = overlap(topo, s, v)) {
    throw VolumeError("Scratch " + scratch + " is " + *how + " virgin " + virgin +
                      ": they are the same storage; give two separate volumes.");
  }
}

}  // namespace schelk
