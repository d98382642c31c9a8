// The metadata device checked like a volume (issue 10 item 1, bad-input D1), virgin/scratch
// aliases and init's values (D13), state values (D4) and the state directory probe (D14), all
// against the fakes: every refusal names the device and the fix, and nothing is written.
#include "src/workflow/ramdisk_check.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "src/state/state.hpp"
#include "src/state/state_validate.hpp"
#include "src/workflow/cli.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::slurp;

namespace {

// virgin and scratch as NVMe namespaces (259:1, 259:2) in the rig's fake sysfs.
void add_volumes(Rig& rig) {
  rig.system.add_block_device("nvme1n1", makedev(259, 1), "", rig.virgin);
  rig.system.add_block_device("nvme2n1", makedev(259, 2), "", rig.scratch);
}

// init-from --no-copy with `ram` as the ramdisk must refuse with a message containing `what`;
// nothing written: no state, no writes by the volume fake, the files unchanged.
void expect_init_refused(Rig& rig, const std::string& ram, const std::string& what,
                         bool allow_any = false) {
  const auto v = slurp(rig.virgin), s = slurp(rig.scratch);
  auto ctx = rig.context();
  auto o = rig.init_from_no_copy();
  o.ramdisk = ram;
  o.allow_any_ramdisk = allow_any;
  CHECK_THROWS_WITH(cmd_init_from(ctx, o), Catch::Contains(what));
  CHECK(!std::filesystem::exists(rig.options().state_path));
  CHECK(rig.volumes.writes.empty());
  CHECK(slurp(rig.virgin) == v);
  CHECK(slurp(rig.scratch) == s);
}

std::string state_with(const std::string& field, const std::string& value) {
  State st;
  st.virgin = "/dev/a";
  st.current_era = 3;
  auto text = state_to_json(st);
  const auto key = "\"" + field + "\": ";
  const auto at = text.find(key) + key.size();
  const auto end = text.find_first_of(",\n", at);
  return text.replace(at, end - at, value);
}

}  // namespace

TEST_CASE("ramdisk: the rig's brd device passes: init names it in the warning") {
  Rig rig;
  add_volumes(rig);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  CHECK(rig.out.str().find("The RAM disk " + rig.ram +
                           " is overwritten at every 'schelk mount'.") != std::string::npos);
  CHECK(!load_state(rig.options().state_path)->allow_any_ramdisk);
}

TEST_CASE("ramdisk: virgin, scratch, a partition or the whole disk of either are refused") {
  Rig rig;
  add_volumes(rig);
  expect_init_refused(rig, rig.virgin, "RAM disk " + rig.virgin + " is the same device as virgin");
  expect_init_refused(rig, rig.scratch,
                      "RAM disk " + rig.scratch + " is the same device as scratch");
  const auto part = (rig.dir / "scratch-p1").string();
  std::ofstream(part) << "p";
  rig.system.add_block_device("nvme2n1p1", makedev(259, 3), "nvme2n1", part);
  expect_init_refused(rig, part, "is a partition of scratch " + rig.scratch);
  // A volume that is a partition: its whole disk is refused as the ramdisk.
  Rig r2;
  const auto disk = (r2.dir / "disk").string();
  std::ofstream(disk) << "d";
  r2.system.add_block_device("sda", makedev(8, 0), "", disk);
  r2.system.add_block_device("sda1", makedev(8, 1), "sda", r2.virgin);
  expect_init_refused(r2, disk, "is the whole disk of virgin " + r2.virgin);
}

TEST_CASE("ramdisk: a device stacked on or under a volume is refused") {
  Rig rig;
  add_volumes(rig);
  const auto dm = (rig.dir / "dm-0").string();
  std::ofstream(dm) << "x";
  rig.system.add_block_device("dm-0", makedev(253, 0), "", dm);
  rig.system.stack("dm-0", "nvme1n1");
  expect_init_refused(rig, dm, "is a device stacked on virgin");
  // The volume stacked on the ramdisk (scratch is a dm device over the "ramdisk").
  Rig r2;
  const auto lower = (r2.dir / "lower").string();
  std::ofstream(lower) << "l";
  r2.system.add_block_device("sdb", makedev(8, 16), "", lower);
  r2.system.add_block_device("dm-1", makedev(253, 1), "", r2.scratch);
  r2.system.stack("dm-1", "sdb");
  expect_init_refused(r2, lower, "is a device under scratch");
}

TEST_CASE("ramdisk: a loop device over the same file as a volume is refused") {
  Rig rig;
  const auto loop0 = (rig.dir / "loop0").string(), loop1 = (rig.dir / "loop1").string();
  std::ofstream(loop1) << "x";
  rig.system.add_block_device("loop0", makedev(7, 0), "", rig.scratch);
  rig.system.add_block_device("loop1", makedev(7, 1), "", loop1);
  rig.system.add_block_device("nvme1n1", makedev(259, 1), "", rig.virgin);
  rig.system.make_loop("loop0", rig.scratch, {makedev(0, 40), 1234, 0});
  rig.system.make_loop("loop1", loop1, {makedev(0, 40), 1234, 0});
  rig.system.add_mount(makedev(0, 40), "tmpfs");  // RAM-backed, but the same file as scratch
  expect_init_refused(rig, loop1, "is a loop device over the same file as scratch");
}

TEST_CASE("ramdisk: not RAM-backed is refused unless --allow-any-ramdisk, which is stored") {
  Rig rig;
  add_volumes(rig);
  const auto sdc = (rig.dir / "sdc").string();
  std::ofstream(sdc, std::ios::binary) << std::string(2 << 20, 'D');
  rig.system.add_block_device("sdc", makedev(8, 32), "", sdc);
  expect_init_refused(rig, sdc, "RAM disk " + sdc + " is not RAM-backed");
  // A loop device over a file on ext4 is not RAM-backed either; over tmpfs it is.
  const auto loop2 = (rig.dir / "loop2").string();
  std::ofstream(loop2, std::ios::binary) << std::string(2 << 20, 'L');
  rig.system.add_block_device("loop2", makedev(7, 2), "", loop2);
  rig.system.make_loop("loop2", loop2, {makedev(8, 5), 99, 0});
  rig.system.add_mount(makedev(8, 5), "ext4");
  expect_init_refused(rig, loop2, "is not RAM-backed");
  rig.system.loops[loop2] = {makedev(0, 41), 99, 0};
  rig.system.add_mount(makedev(0, 41), "tmpfs");
  auto ctx = rig.context();
  auto o = rig.init_from_no_copy();
  o.ramdisk = loop2;
  cmd_init_from(ctx, o);  // loop over tmpfs: accepted
  o.ramdisk = sdc;
  o.allow_any_ramdisk = true;
  cmd_init_from(ctx, o);
  CHECK(load_state(rig.options().state_path)->allow_any_ramdisk);
  CHECK(slurp(rig.options().state_path.string()).find("\"allow_any_ramdisk\": true") !=
        std::string::npos);
  // mount honours the stored flag and clears only the era superblock (4 KiB), in constant time.
  cmd_mount(ctx);
  CHECK(rig.volumes.writes == std::vector<std::string>{"clear " + sdc});
  const auto ram = slurp(sdc);
  CHECK(ram.substr(0, 4096) == std::string(4096, '\0'));
  CHECK(ram.substr(4096) == std::string((2 << 20) - 4096, 'D'));
}

TEST_CASE("ramdisk: a regular file or a device in use is refused") {
  Rig rig;
  const auto file = (rig.dir / "plain").string();
  std::ofstream(file) << "f";
  expect_init_refused(rig, file, "RAM disk " + file + " is not a block device; give a separate");
  rig.system.claimed.insert(rig.ram);
  expect_init_refused(rig, rig.ram, "RAM disk " + rig.ram + " is in use");
}

TEST_CASE("ramdisk in use: the message says what holds it (mount, dm device, process)") {
  Rig rig;
  add_volumes(rig);
  rig.system.claimed.insert(rig.ram);
  rig.system.add_mount(makedev(1, 0), "ext4");  // mounted at /m0
  rig.system.add_block_device("dm-4", makedev(253, 4));
  std::filesystem::create_directories(rig.system.sys_root() / "class" / "block" / "dm-4" / "dm");
  std::ofstream(rig.system.sys_root() / "class" / "block" / "dm-4" / "dm" / "name") << "other\n";
  rig.system.stack("dm-4", "ram0");
  const auto proc = rig.system.proc_root() / "4321";
  std::filesystem::create_directories(proc / "fd");
  std::ofstream(proc / "comm") << "fio\n";
  std::filesystem::create_symlink(rig.ram, proc / "fd" / "5");
  expect_init_refused(rig, rig.ram,
                      "RAM disk " + rig.ram +
                          " is in use (mounted, claimed by device-mapper, or held open "
                          "exclusively); release it or give a separate RAM disk such as /dev/ram0 "
                          "(needs 2 MiB: modprobe brd rd_nr=1 rd_size=2048) with --ramdisk. What "
                          "holds it: mounted at /m0; device-mapper device other (dm-4) stacked on "
                          "it; open in process 4321 (fio).");
}

TEST_CASE("ramdisk: a missing one is refused with the size it needs and how to load brd") {
  Rig rig;
  add_volumes(rig);
  const auto missing = (rig.dir / "ram9").string();
  // The rig's 256 KiB volume: ideal 1.05 MiB, so 2 MiB = rd_size 2048 KiB.
  expect_init_refused(rig, missing,
                      "RAM disk " + missing +
                          " is not a block device (no such device); give a separate RAM disk "
                          "such as /dev/ram0 (needs 2 MiB: modprobe brd rd_nr=1 rd_size=2048) "
                          "with --ramdisk");
}

TEST_CASE("mount re-checks the ramdisk the state names and writes nothing when refused") {
  Rig rig;
  add_volumes(rig);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  auto st = *load_state(rig.options().state_path);
  st.ramdisk = rig.virgin;  // the state file edited by hand
  save_state(rig.options().state_path, st);
  const auto v = slurp(rig.virgin);
  CHECK_THROWS_WITH(cmd_mount(ctx),
                    Catch::Contains("RAM disk " + rig.virgin + " is the same device as virgin") &&
                        Catch::Contains("correct 'ramdisk' in"));
  CHECK(rig.volumes.writes.empty());
  CHECK(rig.dm.calls.own.empty());
  CHECK(slurp(rig.virgin) == v);
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("virgin and scratch that alias one storage are refused (two loops over one file)") {
  Rig rig;
  rig.system.add_block_device("loop0", makedev(7, 0), "", rig.virgin);
  rig.system.add_block_device("loop1", makedev(7, 1), "", rig.scratch);
  rig.system.make_loop("loop0", rig.virgin, {makedev(8, 1), 77, 0});
  rig.system.make_loop("loop1", rig.scratch, {makedev(8, 1), 77, 0});
  expect_init_refused(rig, rig.ram,
                      "Scratch " + rig.scratch + " is a loop device over the same file as virgin " +
                          rig.virgin + ": they are the same storage");
  rig.system.loops[rig.scratch] = {makedev(8, 1), 78, 0};  // another file: accepted
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
}

TEST_CASE("init refuses a bad mount point, fstype or granularity before writing anything") {
  Rig rig;
  auto check_refused = [&](auto edit, const std::string& what) {
    auto ctx = rig.context();
    auto o = rig.init_options();
    o.fstype = "ext4";
    edit(o);
    CHECK_THROWS_WITH(cmd_init_new(ctx, o), Catch::Contains(what));
    CHECK(rig.volumes.writes.empty());
    CHECK(rig.copier.copies.empty());
    CHECK(!std::filesystem::exists(rig.options().state_path));
  };
  check_refused([](InitOptions& o) { o.mount_point = "mnt"; }, "is not an absolute path");
  check_refused([&](InitOptions& o) { o.mount_point = (rig.dir / "virgin" / "mp").string(); },
                "cannot be created: " + rig.virgin + " is not a directory");
  check_refused([&](InitOptions& o) { o.mount_point = rig.virgin; }, "is not a directory");
  {  // a missing directory is fine: mount creates it, as schelk always did
    auto ctx = rig.context();
    auto o = rig.init_from_no_copy();
    o.mount_point = (rig.dir / "new" / "mp").string();
    cmd_init_from(ctx, o);
    std::filesystem::remove_all(rig.options().state_path.parent_path());
    rig.system.calls.own.clear();
  }
  auto from = [&](const std::string& fstype, const std::string& what) {
    auto ctx = rig.context();
    auto o = rig.init_from_no_copy();
    o.fstype = fstype;
    CHECK_THROWS_WITH(cmd_init_from(ctx, o), Catch::Contains(what));
    CHECK(!std::filesystem::exists(rig.options().state_path));
  };
  from("ext4,rw;rm -rf /", "Filesystem type 'ext4,rw;rm -rf /' is not a filesystem name");
  from("", "is not a filesystem name");
  from("ext4+x",
       "Filesystem type 'ext4+x' is not a filesystem name (letters, digits, '.', '_', "
       "'-'); give --fstype as e.g. ext4 or xfs.");
  from("ext4 ", "is not a filesystem name");
  check_refused([](InitOptions& o) { o.granularity = 1ull << 40; }, "larger than the volume");
  check_refused([](InitOptions& o) { o.granularity = Rig::kSize * 2; }, "larger than the volume");
  check_refused([](InitOptions& o) { o.granularity = static_cast<uint64_t>(-4096); },
                "larger than the volume");
}

TEST_CASE("init reports a bad mount point or fstype before device problems and the prompt") {
  Rig rig;
  add_volumes(rig);
  // The fix for a relative mount point names the absolute path it would have meant.
  const auto here = std::filesystem::current_path() / "mnt";
  const auto plain_file = (rig.dir / "plain").string();
  std::ofstream(plain_file) << "f";
  expect_init_refused(rig, plain_file, "RAM disk " + plain_file + " is not a block device");
  {
    auto ctx = rig.context();
    auto o = rig.init_from_no_copy();
    o.ramdisk = plain_file;  // refused too, but the typo in the mount point comes first
    o.mount_point = "mnt";
    CHECK_THROWS_WITH(cmd_init_from(ctx, o),
                      "Mount point 'mnt' is not an absolute path; give --mount-point as "
                      "/path/to/dir (here: " +
                          here.string() + ").");
  }
  // An initialized setup: a bad value is refused before 'Reinitialize?' is asked.
  {
    auto ctx = rig.context();
    cmd_init_from(ctx, rig.init_from_no_copy());
  }
  rig.out.str("");
  auto ctx = rig.context(false);  // no -y: the prompt would read the (empty) input
  auto o = rig.init_from_no_copy();
  o.fstype = "ext4;reboot";
  CHECK_THROWS_WITH(cmd_init_from(ctx, o), Catch::StartsWith("Filesystem type 'ext4;reboot'"));
  CHECK(rig.out.str().find("Reinitialize?") == std::string::npos);
  o.fstype = "ext4";
  o.mount_point = rig.virgin;  // exists, not a directory
  CHECK_THROWS_WITH(cmd_init_from(ctx, o), "Mount point " + rig.virgin +
                                               " is not a directory; give a directory as "
                                               "--mount-point.");
  CHECK(rig.out.str().find("Reinitialize?") == std::string::npos);
}

TEST_CASE("state values that cannot be right are refused naming the file and the field") {
  const std::filesystem::path p = "/x/state.json";
  for (const std::string bad :
       {"0", "-1", "4096.5", "99999999999999999999999", "100", "\"4096\"", "1099511628288"}) {
    INFO(bad);
    CHECK_THROWS_WITH(validate_state_text(state_with("granularity", bad), p),
                      Catch::StartsWith("State file /x/state.json: field 'granularity' is ") &&
                          Catch::Contains("re-run 'schelk init-from'"));
  }
  for (const std::string bad : {"-1", "1.5", "4294967296", "\"3\""}) {
    INFO(bad);
    CHECK_THROWS_WITH(validate_state_text(state_with("current_era", bad), p),
                      Catch::StartsWith("State file /x/state.json: field 'current_era' is "));
  }
  CHECK_NOTHROW(validate_state_text(state_with("granularity", "512"), p));
  CHECK_NOTHROW(validate_state_text(state_with("current_era", "null"), p));
  CHECK_NOTHROW(validate_state_text(state_with("current_era", "4294967295"), p));
  CHECK_NOTHROW(validate_state_text("{not json", p));  // state_from_json reports that
}

TEST_CASE("a granularity of 0 in the state stops mount with the message (no SIGFPE)") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  auto text = slurp(rig.options().state_path.string());
  text.replace(text.find("\"granularity\": 4096"), 19, "\"granularity\": 0");
  std::ofstream(rig.options().state_path) << text;
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("field 'granularity' is 0"));
  CHECK(rig.volumes.writes.empty());
  CHECK(rig.dm.calls.own.empty());
}

TEST_CASE("full-recover and init refuse an unwritable state directory before copying") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  // The file save_state writes first cannot be created (a directory in its place): the same
  // failure as an immutable or read-only state directory, and one root cannot bypass.
  const auto dir = rig.options().state_path.parent_path();
  std::filesystem::create_directories(dir / ".state.json.tmp" / "x");
  CHECK_THROWS_WITH(cmd_full_recover(ctx, false),
                    Catch::StartsWith("Cannot write the state directory " + dir.string()) &&
                        Catch::Contains("choose another --state-path"));
  CHECK(rig.copier.copies.empty());
  CHECK_THROWS_WITH(cmd_init_new(ctx, rig.init_options()),
                    Catch::Contains("Cannot write the state directory"));
  CHECK(rig.copier.copies.empty());
  CHECK(rig.volumes.writes.empty());
  std::filesystem::remove_all(dir / ".state.json.tmp");
  cmd_full_recover(ctx, false);
  CHECK(rig.copier.copies.size() == 1);
  CHECK(!std::filesystem::exists(dir / ".state.json.tmp"));
  // A state directory still to be created is probed in its nearest existing ancestor.
  const auto blocker = rig.dir / "file";
  std::ofstream(blocker) << "x";
  CHECK_THROWS_WITH(require_state_dir_writable(blocker / "sub" / "state.json"),
                    Catch::Contains("Cannot write the state directory " + blocker.string()));
  CHECK_NOTHROW(require_state_dir_writable(rig.dir / "new" / "deeper" / "state.json"));
  CHECK(!std::filesystem::exists(rig.dir / "new"));
}

TEST_CASE("allow-any-ramdisk is an option of init-new and init-from only") {
  const std::vector<std::string> base = {"--virgin",  "a", "--scratch",     "b",
                                         "--ramdisk", "r", "--mount-point", "/m"};
  auto with = [&](const std::string& cmd, bool flag) {
    std::vector<std::string> args{"schelk", cmd};
    args.insert(args.end(), base.begin(), base.end());
    if (flag) args.push_back("--allow-any-ramdisk");
    return parse_workflow_args(args);
  };
  CHECK(with("init-new", true).init.allow_any_ramdisk);
  CHECK(with("init-from", true).init.allow_any_ramdisk);
  CHECK(!with("init-from", false).init.allow_any_ramdisk);
  CHECK_THROWS_AS(parse_workflow_args({"schelk", "mount", "--allow-any-ramdisk"}), UsageError);
}

TEST_CASE("init while mounted says so first, though the era device holds the ramdisk") {
  Rig rig;
  rig.init_and_mount();
  rig.system.claimed.insert(rig.ram);  // what the live era device does to the ramdisk
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_init_from(ctx, rig.init_from_no_copy()),
                    Catch::Contains("before reinitializing"));
}
