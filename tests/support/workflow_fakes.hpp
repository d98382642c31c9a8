// Fakes for the workflow seams: a dm-era that records every call, a mounter without a kernel,
// and a context whose "devices" are regular files copied with plain I/O.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "src/dm/dm_control.hpp"
#include "src/mount/mount.hpp"
#include "src/volume/volume.hpp"
#include "src/workflow/context.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/temp_path.hpp"

namespace schelk::test {

class FakeDmControl : public DmControl {
 public:
  struct Calls {
    std::vector<std::string> own;
    std::vector<std::string>* log = nullptr;
    void push_back(const std::string& s) {
      own.push_back(s);
      if (log) log->push_back(s);
    }
  } calls;
  bool device = false;
  bool snapshot = false;
  uint32_t era = 0;
  std::string fail_message;  // a message that throws

  void create_era(const std::string& name, const std::string& meta, const std::string& origin,
                  uint64_t len, uint64_t block) override {
    calls.push_back("create " + name + " 0 " + std::to_string(len) + " era " + meta + " " + origin +
                    " " + std::to_string(block));
    if (device) throw DmError("exists");
    device = true;
    era = 1;
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
  std::string table(const std::string&) override { return ""; }
  std::optional<DmInfo> info(const std::string&) override {
    if (!device) return std::nullopt;
    return DmInfo{253, 0, 1, false};
  }
  void remove(const std::string& name) override {
    calls.push_back("remove " + name);
    if (!device) throw DmError("no device");
    if (snapshot) throw DmError("removing with a held snapshot");  // our order must prevent it
    device = false;
  }
};

class FakeMounter : public Mounter {
 public:
  FakeDmControl::Calls calls;
  bool mounted = false;
  bool fail_mount = false;
  bool busy = false;
  bool is_mounted(const std::string&) override { return mounted; }
  void mount(const std::string& dev, const std::string& mp, const std::string& fstype,
             const std::string& opts) override {
    calls.push_back("mount " + dev + " " + mp + " " + fstype + " " + opts);
    if (fail_mount) throw std::runtime_error("mount failed");
    mounted = true;
  }
  void unmount(const std::string& mp, bool kill) override {
    calls.push_back(std::string("unmount ") + mp + (kill ? " kill" : ""));
    if (busy && !kill) throw std::runtime_error("Failed to unmount " + mp + ": target is busy");
    mounted = false;
  }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

inline void write_at(const std::string& path, uint64_t offset, const std::string& data) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Files virgin/scratch/ram in a temp dir, the state file beside them, fakes wired in.
struct Rig {
  static constexpr uint64_t kSize = 64 * 4096;
  TempDir dir;
  FakeDmControl dm;
  FakeMounter mounter;
  std::vector<std::string> events;  // read/copy order interleaved with dm calls
  std::vector<BlockRange> written;  // what the fake reader reports
  bool read_throws = false;
  bool copy_throws = false;
  std::vector<CopyRequest> copies;
  std::istringstream in{""};
  std::ostringstream out, err;
  std::string virgin, scratch, ram;

  Rig() {
    dm.calls.log = &events;
    mounter.calls.log = &events;
    virgin = (dir / "virgin").string();
    scratch = (dir / "scratch").string();
    ram = (dir / "ram").string();
    for (const auto& p : {virgin, scratch}) {
      std::string data(kSize, '\0');
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 / 7);
      std::ofstream(p, std::ios::binary) << data;
    }
    std::ofstream(ram, std::ios::binary) << std::string(2 << 20, 'R');
  }

  Seams seams() {
    Seams s;
    s.dm = &dm;
    s.mounter = &mounter;
    s.read_written = [this](const std::string& meta, uint32_t since) {
      events.push_back("read " + meta + " since " + std::to_string(since) +
                       (dm.snapshot ? " (snapshot held)" : " (NO SNAPSHOT)"));
      if (read_throws) throw std::runtime_error("bad metadata");
      WrittenBlocks w;
      w.nr_blocks = kSize / 4096;
      w.data_block_sectors = 8;
      w.current_era = dm.era;
      w.ranges = written;
      return w;
    };
    s.copy = [this](const CopyRequest& r) {
      events.push_back("copy " + r.src + " -> " + r.dst + (dm.device ? " (DEVICE LIVE)" : ""));
      copies.push_back(r);
      if (copy_throws) throw std::runtime_error("I/O error at bytes 4096..8192");
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
      return rep;
    };
    s.hash_superblock = hash_superblock;
    s.device_size = device_size;
    s.validate_block_device = [](const std::string&) {};
    s.zero_device = zero_device;
    s.make_ext4 = [this](const std::string& p) { write_at(p, 1024, "FRESH-EXT4"); };
    s.detect_fstype = [](const std::string&) { return std::optional<std::string>("xfs"); };
    s.disable_discards = [this](const DmInfo&) { events.push_back("discards off"); };
    s.discards_disabled = [](const DmInfo&) { return true; };
    s.require_root = false;
    s.require_tools = false;
    return s;
  }

  GlobalOptions options(bool yes = true) {
    GlobalOptions g;
    g.yes = yes;
    g.state_path = dir / "state" / "state.json";
    return g;
  }

  Context context(bool yes = true) { return Context(options(yes), seams(), in, out, err); }

  // init-new/init-from options naming this rig's files.
  InitOptions init_options() {
    InitOptions o;
    o.virgin = virgin;
    o.scratch = scratch;
    o.ramdisk = ram;
    o.mount_point = (dir / "mnt").string();
    return o;
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

}  // namespace schelk::test
