// Fakes for every interface a workflow Context carries, and a Rig that wires them to files in a
// temporary directory: a dm-era that records every call, a mounter without a kernel, volumes that
// are regular files (any path outside the directory throws), a kernel view whose /proc and /sys
// are trees in the directory, a written-set reader reporting what the test says, and a copier
// with plain file I/O. No workflow unit test reaches the host's /proc, /sys or mounts: the
// fakes are the only implementations a test can hand to a Context.
#pragma once

#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/dm/dm_control.hpp"
#include "src/mount/mount.hpp"
#include "src/volume/volume.hpp"
#include "src/volume/volume_ops.hpp"
#include "src/workflow/block_copy.hpp"
#include "src/workflow/context.hpp"
#include "src/workflow/system_view.hpp"
#include "src/workflow/workflow.hpp"
#include "src/workflow/written_set.hpp"
#include "tests/support/temp_path.hpp"

namespace schelk::test {

// The calls one fake saw, in order, optionally also appended to a log shared by several fakes
// (so a test sees their interleaving).
struct CallLog {
  std::vector<std::string> own;
  std::vector<std::string>* shared = nullptr;
  void push_back(const std::string& s) {
    own.push_back(s);
    if (shared) shared->push_back(s);
  }
};

// Throws when `path` lies outside `root`: a fake handed a host path means a flow bypassed the
// test's tree.
inline void require_inside(const std::filesystem::path& root, const std::filesystem::path& path) {
  const auto rel = path.lexically_normal().lexically_relative(root.lexically_normal());
  if (rel.empty() || *rel.begin() == "..") {
    throw std::logic_error("fake reached outside its temp dir " + root.string() + ": " +
                           path.string());
  }
}

class FakeDmControl : public DmControl {
 public:
  CallLog calls;
  bool device = false;
  bool snapshot = false;
  uint32_t era = 0;
  std::string fail_message;  // a message that throws
  // The loaded table, set by create_era (or a test); the kernel reports the devices as
  // major:minor, taken from `block_devices` when asked (the path itself when not listed).
  std::vector<DmTarget> targets;
  const std::map<std::string, dev_t>* block_devices = nullptr;
  const bool* mounted = nullptr;  // a mount holds the device open (FakeMounter::mounted)
  int32_t other_openers = 0;

  void create_era(const std::string& name, const std::string& meta, const std::string& origin,
                  uint64_t len, uint64_t block) override {
    calls.push_back("create " + name + " 0 " + std::to_string(len) + " era " + meta + " " + origin +
                    " " + std::to_string(block));
    if (device) throw DmError("exists");
    device = true;
    era = 1;
    targets = {{0, len, "era", meta + " " + origin + " " + std::to_string(block)}};
  }
  // A linear device lives beside the era device: its own flag, removed by name.
  bool linear = false;
  void create_linear(const std::string& name, const std::string& origin, uint64_t len) override {
    calls.push_back("create " + name + " 0 " + std::to_string(len) + " linear " + origin + " 0");
    if (linear) throw DmError("exists");
    linear = true;
  }
  std::vector<DmTarget> table(const std::string&) override {
    if (!device) return {};
    auto t = targets;
    if (block_devices) {
      for (auto& target : t) {
        for (const auto& [path, dev] : *block_devices) {
          const auto at = target.params.find(path + " ");
          if (at == std::string::npos) continue;
          target.params.replace(at, path.size(),
                                std::to_string(major(dev)) + ":" + std::to_string(minor(dev)));
        }
      }
    }
    return t;
  }
  void message(const std::string& name, const std::string& msg) override {
    calls.push_back("message " + name + " " + msg);
    if (!device) throw DmError("no device");
    if (msg == fail_message) throw DmError("message failed: " + msg);
    if (msg == "checkpoint") {
      ++era;
    } else if (msg == "take_metadata_snap") {
      if (snapshot) throw DmError("Invalid argument");
      snapshot = true;
      ++era;
    } else if (msg == "drop_metadata_snap") {
      if (!snapshot) throw DmError("Invalid argument");
      snapshot = false;
    } else {
      throw DmError("Invalid argument");
    }
  }
  EraStatus status(const std::string& name) override {
    calls.push_back("status " + name);
    if (!device) throw DmError("no device");
    EraStatus s;
    s.metadata_block_sectors = 8;
    s.used = 10;
    s.total = 100;
    s.current_era = era;
    if (snapshot) s.snapshot_block = 42;
    return s;
  }
  std::optional<DmInfo> info(const std::string&) override {
    if (!device) return std::nullopt;
    return DmInfo{253, 0, (mounted && *mounted ? 1 : 0) + other_openers, false};
  }
  void remove(const std::string& name) override {
    calls.push_back("remove " + name);
    if (linear && name.ends_with("_linear")) {
      linear = false;
      return;
    }
    if (!device) throw DmError("no device");
    if (snapshot) throw DmError("removing with a held snapshot");  // our order must prevent it
    device = false;
  }
};

class FakeMounter : public Mounter {
 public:
  CallLog calls;
  bool mounted = false;
  bool fail_mount = false;
  bool busy = false;
  // Where `mounted` is mounted and from which device ("" = not the era device 253:0, the only
  // device FakeDmControl reports); more mounts of the era device elsewhere.
  std::string mount_point;
  bool era_device_mounted = false;
  std::vector<std::string> other_era_mounts;
  bool is_mounted(const std::string&) override { return mounted; }
  std::vector<std::string> mount_points_of(uint32_t major, uint32_t minor) override {
    std::vector<std::string> points;
    if (major != 253 || minor != 0) return points;
    if (mounted && era_device_mounted) points.push_back(mount_point);
    points.insert(points.end(), other_era_mounts.begin(), other_era_mounts.end());
    return points;
  }
  void mount(const std::string& dev, const std::string& mp, const std::string& fstype,
             const std::string& opts) override {
    calls.push_back("mount " + dev + " " + mp + " " + fstype + " " + opts);
    if (fail_mount) throw std::runtime_error("mount failed");
    mounted = true;
    mount_point = mp;
    era_device_mounted = dev.rfind("/dev/mapper/", 0) == 0;
  }
  void unmount(const std::string& mp, bool kill) override {
    calls.push_back(std::string("unmount ") + mp + (kill ? " kill" : ""));
    if (busy && !kill) throw std::runtime_error("Failed to unmount " + mp + ": target is busy");
    if (std::erase(other_era_mounts, mp) > 0) return;
    mounted = false;
    era_device_mounted = false;
  }
};

// Volumes are regular files under `root`; sizes, hashes and zeroing act on them.
class FakeVolumeOps : public VolumeOps {
 public:
  explicit FakeVolumeOps(std::filesystem::path root) : root_(std::move(root)) {}
  CallLog calls;
  std::vector<std::string> writes;        // "zero P", "clear P", "mkfs P": every write it made
  std::map<std::string, uint64_t> sizes;  // sizes to report instead of the file's
  std::string not_a_block_device;         // this path fails validate_block_device
  bool mkfs_missing = false;
  std::optional<std::string> fstype = "xfs";  // what detect_fstype finds

  uint64_t size(const std::string& path) override {
    require_inside(root_, path);
    calls.push_back("size " + path);
    if (const auto it = sizes.find(path); it != sizes.end()) return it->second;
    return device_size(path);
  }
  void validate_block_device(const std::string& path) override {
    require_inside(root_, path);
    calls.push_back("validate " + path);
    if (path == not_a_block_device) throw VolumeError(path + " is not a block device");
  }
  void reject_same_device(const std::string& virgin, const std::string& scratch) override {
    require_inside(root_, virgin);
    require_inside(root_, scratch);
    schelk::reject_same_device(virgin, scratch);
  }
  base::Sha256Digest hash_superblock(const std::string& path) override {
    require_inside(root_, path);
    return schelk::hash_superblock(path);
  }
  void zero(const std::string& path) override {
    require_inside(root_, path);
    writes.push_back("zero " + path);
    zero_device(path);
  }
  // Zeroes the first 4 KiB of the file (what the real one leaves after its discard).
  bool clear_era_superblock(const std::string& path) override {
    require_inside(root_, path);
    writes.push_back("clear " + path);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(kEraSuperblockBytes, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    return false;
  }
  void require_mkfs_ext4() override {
    calls.push_back("require mkfs.ext4");
    if (mkfs_missing) throw std::runtime_error("mkfs.ext4 not found in PATH. Install e2fsprogs.");
  }
  void make_ext4(const std::string& path) override;
  std::optional<std::string> detect_fstype(const std::string& path) override {
    require_inside(root_, path);
    return fstype;
  }

 private:
  std::filesystem::path root_;
};

inline void write_at(const std::string& path, uint64_t offset, const std::string& data) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline void FakeVolumeOps::make_ext4(const std::string& path) {
  require_inside(root_, path);
  writes.push_back("mkfs " + path);
  write_at(path, 1024, "FRESH-EXT4");
}

// /proc and /sys as trees under `dir` (empty but for the boot id); every question is logged, so
// a test can show the flows asked this view and nothing else.
class FakeSystemView : public SystemView {
 public:
  explicit FakeSystemView(const std::filesystem::path& dir)
      : proc_(dir / "proc"), sys_(dir / "sys") {
    std::filesystem::create_directories(proc_ / "sys" / "kernel" / "random");
    std::filesystem::create_directories(sys_);
    set_boot_id("boot-1");
  }
  CallLog calls;                                       // every question asked
  std::vector<std::string>* discard_events = nullptr;  // also gets "discards off"
  bool root = true;
  std::map<std::string, dev_t> block_devices;  // paths that are block devices
  std::set<std::string> claimed;               // paths claimed exclusively
  bool fail_disable_discards = false;
  bool discards_stay_on = false;
  std::map<std::string, LoopBacking> loops;  // loop device paths and their backing files

  // A block device in the fake sysfs: <sys>/devices/virtual/block/[PARENT/]NAME with its dev
  // file (and `partition` when it has a parent), linked from <sys>/dev/block/M:m and
  // <sys>/class/block/NAME; `path` (when given) is registered as its node.
  std::filesystem::path add_block_device(const std::string& name, dev_t dev,
                                         const std::string& parent = "",
                                         const std::string& path = "") {
    const auto base = sys_ / "devices" / "virtual" / "block";
    const auto dir = parent.empty() ? base / name : base / parent / name;
    std::filesystem::create_directories(dir / "holders");
    std::filesystem::create_directories(dir / "slaves");
    const std::string key = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    std::ofstream(dir / "dev") << key << "\n";
    if (!parent.empty()) std::ofstream(dir / "partition") << "1\n";
    std::filesystem::create_directories(sys_ / "dev" / "block");
    std::filesystem::create_directories(sys_ / "class" / "block");
    std::filesystem::create_directory_symlink(dir, sys_ / "dev" / "block" / key);
    std::filesystem::create_directory_symlink(dir, sys_ / "class" / "block" / name);
    if (!path.empty()) block_devices[path] = dev;
    return dir;
  }
  // `holder` (a device name) is stacked on `lower`: holders/ and slaves/ entries both ways.
  void stack(const std::string& holder, const std::string& lower) {
    const auto cls = sys_ / "class" / "block";
    std::ofstream(std::filesystem::canonical(cls / lower) / "holders" / holder);
    std::ofstream(std::filesystem::canonical(cls / holder) / "slaves" / lower);
  }
  // Makes `name` a loop device over a file identified by (dev, ino) and registers it.
  void make_loop(const std::string& name, const std::string& path, LoopBacking backing) {
    std::filesystem::create_directories(
        std::filesystem::canonical(sys_ / "class" / "block" / name) / "loop");
    loops[path] = backing;
  }
  // One line of <proc>/self/mountinfo: a filesystem of `fstype` on device `dev`.
  void add_mount(dev_t dev, const std::string& fstype) {
    std::filesystem::create_directories(proc_ / "self");
    std::ofstream(proc_ / "self" / "mountinfo", std::ios::app)
        << "30 1 " << major(dev) << ":" << minor(dev) << " / /m" << minor(dev) << " rw - " << fstype
        << " none rw\n";
  }

  void set_boot_id(const std::string& id) {
    std::ofstream(proc_ / "sys" / "kernel" / "random" / "boot_id") << id << "\n";
  }

  bool is_root() override {
    calls.push_back("is_root");
    return root;
  }
  std::filesystem::path proc_root() override {
    calls.push_back("proc_root");
    return proc_;
  }
  std::filesystem::path sys_root() override {
    calls.push_back("sys_root");
    return sys_;
  }
  std::optional<dev_t> block_device_number(const std::string& path) override {
    calls.push_back("block_device_number " + path);
    const auto it = block_devices.find(path);
    if (it == block_devices.end()) return std::nullopt;
    return it->second;
  }
  bool exclusively_claimed(const std::string& path) override {
    calls.push_back("exclusively_claimed " + path);
    return claimed.count(path) > 0;
  }
  void disable_discards(const DmInfo& info) override {
    calls.push_back("discards off");
    if (discard_events) discard_events->push_back("discards off");
    if (fail_disable_discards) {
      throw std::runtime_error("cannot write 0 to " + discard_max_bytes_path(sys_, info).string());
    }
  }
  bool discards_disabled(const DmInfo&) override { return !discards_stay_on; }
  std::optional<LoopBacking> loop_backing(const std::string& path) override {
    calls.push_back("loop_backing " + path);
    const auto it = loops.find(path);
    if (it == loops.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::filesystem::path proc_;
  std::filesystem::path sys_;
};

// Reports `written` as the blocks written since any era, noting whether a snapshot was held.
class FakeWrittenSetReader : public WrittenSetReader {
 public:
  FakeWrittenSetReader(const FakeDmControl& dm, uint64_t nr_blocks, std::vector<std::string>& log)
      : dm_(dm), nr_blocks_(nr_blocks), log_(log) {}
  std::vector<BlockRange> written;
  bool fail = false;
  WrittenBlocks read(const std::string& meta, uint32_t since) override {
    log_.push_back("read " + meta + " since " + std::to_string(since) +
                   (dm_.snapshot ? " (snapshot held)" : " (NO SNAPSHOT)"));
    if (fail) throw std::runtime_error("bad metadata");
    WrittenBlocks w;
    w.nr_blocks = nr_blocks_;
    w.data_block_sectors = 8;
    w.current_era = dm_.era;
    w.ranges = written;
    return w;
  }

 private:
  const FakeDmControl& dm_;
  uint64_t nr_blocks_;
  std::vector<std::string>& log_;
};

// Copies extents between files with plain I/O, noting whether the era device still exists.
class FakeVolumeCopier : public VolumeCopier {
 public:
  FakeVolumeCopier(const std::filesystem::path& root, const FakeDmControl& dm,
                   std::vector<std::string>& log)
      : root_(root), dm_(dm), log_(log) {}
  std::vector<CopyRequest> copies;
  bool fail = false;
  CopyReport copy(const CopyRequest& r) override {
    require_inside(root_, r.src);
    require_inside(root_, r.dst);
    log_.push_back("copy " + r.src + " -> " + r.dst + (dm_.device ? " (DEVICE LIVE)" : ""));
    copies.push_back(r);
    if (fail) throw std::runtime_error("I/O error at bytes 4096..8192");
    std::fstream src(r.src, std::ios::in | std::ios::binary);
    std::fstream dst(r.dst, std::ios::in | std::ios::out | std::ios::binary);
    CopyReport rep;
    for (const auto& e : r.extents) {
      std::string buf(e.length, '\0');
      src.seekg(static_cast<std::streamoff>(e.offset));
      src.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      dst.seekp(static_cast<std::streamoff>(e.offset));
      dst.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      rep.bytes += e.length;
      ++rep.extents;
    }
    // Fixed phase times, so a test can pin the report's lines.
    rep.seconds = 2.0;
    if (r.verify) {
      rep.verify_mismatches = 0;
      rep.verify_bytes = rep.bytes;
      rep.verify_seconds = 0.5;
    }
    return rep;
  }

 private:
  std::filesystem::path root_;
  const FakeDmControl& dm_;
  std::vector<std::string>& log_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

// Files virgin/scratch/ram in a temp dir, the state file beside them, fakes wired in.
struct Rig {
  static constexpr uint64_t kSize = 64 * 4096;
  TempDir dir;
  std::vector<std::string> events;  // dm, mount, discard, read and copy calls interleaved
  FakeDmControl dm;
  FakeMounter mounter;
  FakeVolumeOps volumes{dir.path()};
  FakeSystemView system{dir.path()};
  FakeWrittenSetReader reader{dm, kSize / 4096, events};
  FakeVolumeCopier copier{dir.path(), dm, events};
  std::istringstream in{""};
  std::ostringstream out, err;
  std::string virgin, scratch, ram;

  Rig() {
    dm.mounted = &mounter.mounted;
    dm.calls.shared = &events;
    mounter.calls.shared = &events;
    virgin = (dir / "virgin").string();
    scratch = (dir / "scratch").string();
    ram = (dir / "ram").string();
    for (const auto& p : {virgin, scratch}) {
      std::string data(kSize, '\0');
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 / 7);
      std::ofstream(p, std::ios::binary) << data;
    }
    std::ofstream(ram, std::ios::binary) << std::string(2 << 20, 'R');
    // The ramdisk is a brd device (major 1) in the fake sysfs; the mount point exists.
    system.add_block_device("ram0", makedev(1, 0), "", ram);
    // Scratch is a block device to the era device's table (repair identifies the device as
    // schelk's by it), though not in the fake sysfs unless a test adds it.
    system.block_devices[scratch] = makedev(8, 16);
    dm.block_devices = &system.block_devices;
    std::filesystem::create_directories(dir / "mnt");
    system.discard_events = &events;
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  Services services() { return {dm, mounter, volumes, system, reader, copier}; }

  GlobalOptions options(bool yes = true) {
    GlobalOptions g;
    g.yes = yes;
    g.state_path = dir / "state" / "state.json";
    return g;
  }

  Context context(bool yes = true) { return Context(options(yes), services(), in, out, err); }

  // init-new/init-from options naming this rig's files.
  InitOptions init_options() {
    InitOptions o;
    o.virgin = virgin;
    o.scratch = scratch;
    o.ramdisk = ram;
    o.mount_point = (dir / "mnt").string();
    return o;
  }
  // init-from --no-copy (the pair unmounted); its events are cleared.
  void init_unmounted() {
    auto ctx = context();
    cmd_init_from(ctx, init_from_no_copy());
    events.clear();
  }
  // init-from --no-copy, then mount; the events of both are cleared.
  void init_and_mount() {
    auto ctx = context();
    cmd_init_from(ctx, init_from_no_copy());
    cmd_mount(ctx);
    events.clear();
  }
  // init-from of an ext4 volume with --no-copy (the rig's files start identical).
  InitOptions init_from_no_copy() {
    InitOptions o = init_options();
    o.fstype = "ext4";
    o.no_copy = true;
    return o;
  }
};

// A 6.1 /sys/block/X/stat line with the given write (field 7) and discard (field 14) sector
// counts.
inline std::string stat_line(uint64_t write_sectors, uint64_t discard_sectors) {
  return "     100        0     2000       10       50        3      " +
         std::to_string(write_sectors) + "       20        0       40       30       " +
         "2        0     " + std::to_string(discard_sectors) + "        1        5        2\n";
}

// Makes `device` the block device 259:7 of a fake system view, with its sysfs stat counters
// (1000 sectors written, none discarded) and an empty holders directory.
struct FakeScratch {
  FakeSystemView& view;
  std::filesystem::path dev_dir;
  FakeScratch(FakeSystemView& v, const std::string& device)
      : view(v), dev_dir(v.sys_root() / "dev" / "block" / "259:7") {
    view.block_devices[device] = makedev(259, 7);
    std::filesystem::create_directories(dev_dir / "holders");
    set_counters(1000, 0);
    view.set_boot_id("aaaa-1");
  }
  void set_counters(uint64_t w, uint64_t d) { std::ofstream(dev_dir / "stat") << stat_line(w, d); }
};

}  // namespace schelk::test
