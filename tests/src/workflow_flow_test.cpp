// Command flows against fakes: order of dm operations, journal, state transitions, refusals.
#include <sys/sysmacros.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "src/state/journal.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::slurp;
using test::write_at;

namespace {

std::vector<std::string> filter_prefix(const std::vector<std::string>& v,
                                       const std::vector<std::string>& prefixes) {
  std::vector<std::string> out;
  for (const auto& s : v) {
    for (const auto& p : prefixes) {
      if (s.rfind(p, 0) == 0) {
        out.push_back(s);
        break;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("init-new makes ext4 on virgin / copies it to scratch and saves the state") {
  Rig rig;
  write_at(rig.scratch, 0, "DIFFERENT");
  auto ctx = rig.context();
  cmd_init_new(ctx, rig.init_options());
  CHECK(slurp(rig.virgin).substr(1024, 10) == "FRESH-EXT4");
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  const auto st = load_state(rig.options().state_path);
  REQUIRE(st);
  CHECK(st->fstype == "ext4");
  CHECK(st->dm_era_name == "bench_era");
  CHECK(st->virgin_superblock_hash == hash_superblock(rig.virgin));
  CHECK(!st->is_mounted);
  CHECK(rig.out.str().find("Do NOT mount these volumes outside of schelk") != std::string::npos);
}

TEST_CASE("init asks for confirmation - anything but y/yes cancels before writing") {
  for (const char* answer : {"n\n", "", "yess\n", "maybe\n"}) {
    Rig rig;
    rig.in.str(answer);
    auto ctx = rig.context(false);
    const std::string before = slurp(rig.virgin);
    CHECK_THROWS_WITH(cmd_init_new(ctx, rig.init_options()), "Operation cancelled by user.");
    CHECK(slurp(rig.virgin) == before);
    CHECK(!load_state(rig.options().state_path));
    // The prompt is on stderr, never in the output a script captures.
    CHECK(rig.err.str().find("Proceed with initialization? [y/N] ") != std::string::npos);
    CHECK(rig.out.str().find("[y/N]") == std::string::npos);
  }
  Rig rig;
  rig.in.str(" YES \n");
  auto ctx = rig.context(false);
  CHECK_NOTHROW(cmd_init_new(ctx, rig.init_options()));
}

TEST_CASE("init refuses unequal sizes / same device / bad granularity and bad names") {
  Rig rig;
  auto ctx = rig.context();
  auto o = rig.init_options();
  std::filesystem::resize_file(rig.scratch, Rig::kSize + 4096);
  CHECK_THROWS_WITH(cmd_init_new(ctx, o),
                    Catch::Contains("Virgin and scratch volumes must be the same size"));
  o.scratch = o.virgin;
  CHECK_THROWS_WITH(cmd_init_new(ctx, o), "Virgin and scratch must be different devices.");
  o = rig.init_options();
  o.granularity = 100;
  CHECK_THROWS_WITH(cmd_init_new(ctx, o), Catch::Contains("multiple of 512"));
  o = rig.init_options();
  o.dm_era_name = "-x";
  CHECK_THROWS_AS(cmd_init_new(ctx, o), DmError);
  CHECK(!load_state(rig.options().state_path));
}

TEST_CASE("init-from detects the filesystem type when --fstype is absent") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_options());
  CHECK(load_state(rig.options().state_path)->fstype == "xfs");
}

TEST_CASE("mount: zero ramdisk / create / checkpoint / discards off / save / mount") {
  Rig rig;
  auto ctx = rig.context();
  auto o = rig.init_options();
  o.fstype = "ext4";
  o.no_copy = true;
  o.mount_options = "noatime";
  cmd_init_from(ctx, o);
  cmd_mount(ctx);
  CHECK(rig.events ==
        std::vector<std::string>{"create bench_era 0 512 era " + rig.ram + " " + rig.scratch + " 8",
                                 "status bench_era", "message bench_era checkpoint", "discards off",
                                 "mount /dev/mapper/bench_era " + o.mount_point + " ext4 noatime"});
  // Only the era superblock block is cleared: constant time, whatever the ramdisk size.
  CHECK(rig.volumes.writes == std::vector<std::string>{"clear " + rig.ram});
  CHECK(slurp(rig.ram) == std::string(4096, '\0') + std::string((2 << 20) - 4096, 'R'));
  const auto st = load_state(rig.options().state_path);
  CHECK(st->is_mounted);
  CHECK(st->current_era == 1u);  // the era at create, as schelk stores it
  CHECK(rig.out.str().find("All writes are now being tracked by dm-era.") != std::string::npos);
  CHECK_THROWS_WITH(cmd_mount(ctx), "Volume is already mounted.");
}

TEST_CASE("mount refuses a changed virgin / differing scratch / busy mount point / stale device") {
  Rig rig;
  auto ctx = rig.context();
  auto o = rig.init_options();
  o.fstype = "ext4";
  o.no_copy = true;
  cmd_init_from(ctx, o);
  write_at(rig.scratch, 100, "x");
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("Scratch volume superblock does not match "
                                                    "virgin. Run 'schelk full-recover' first."));
  write_at(rig.virgin, 100, "y");
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("Virgin volume superblock has changed"));
  cmd_init_from(ctx, o);  // re-baseline (virgin hash), scratch still differs at byte 100
  write_at(rig.scratch, 100, "y");
  rig.mounter.mounted = true;
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("is already in use"));
  rig.mounter.mounted = false;
  // A device with schelk's name but another table is never touched.
  rig.dm.device = true;
  rig.dm.targets = {{0, 512, "linear", "8:16 0"}};
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("dm-era device 'bench_era' already exists but "
                                                    "is not schelk's (its table is '0 512 linear "
                                                    "8:16 0'"));
  CHECK(rig.dm.device);
  rig.dm.device = false;
  CHECK(rig.dm.calls.own.empty());
  CHECK_NOTHROW(cmd_mount(ctx));
}

TEST_CASE("mount rolls back the dm device when checkpoint or the fs mount fails") {
  {
    Rig rig;
    auto ctx = rig.context();
    auto o = rig.init_options();
    o.no_copy = true;
    cmd_init_from(ctx, o);
    rig.dm.fail_message = "checkpoint";
    CHECK_THROWS(cmd_mount(ctx));
    CHECK(!rig.dm.device);
    CHECK(!load_state(rig.options().state_path)->is_mounted);
  }
  {
    Rig rig;
    auto ctx = rig.context();
    auto o = rig.init_options();
    o.no_copy = true;
    cmd_init_from(ctx, o);
    rig.mounter.fail_mount = true;
    CHECK_THROWS_WITH(cmd_mount(ctx), "mount failed");
    CHECK(!rig.dm.device);
    CHECK(!load_state(rig.options().state_path)->is_mounted);
  }
}

TEST_CASE(
    "recover: unmount / take snap / read / drop / remove / then copy - scratch equals virgin") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 3, "written by benchmark");
  write_at(rig.scratch, 4096 * 40 + 5, "more");
  rig.reader.written = {{3, 4}, {40, 41}};
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  const auto order = filter_prefix(rig.events, {"unmount", "message", "read", "remove", "copy"});
  CHECK(order ==
        std::vector<std::string>{
            "unmount " + (rig.dir / "mnt").string(), "message bench_era take_metadata_snap",
            "read " + rig.ram + " since 1 (snapshot held)", "message bench_era drop_metadata_snap",
            "remove bench_era", "copy " + rig.virgin + " -> " + rig.scratch});
  REQUIRE(rig.copier.copies.size() == 1);
  REQUIRE(rig.copier.copies[0].extents.size() == 2);
  CHECK(rig.copier.copies[0].extents[0].offset == 3 * 4096);
  CHECK(rig.copier.copies[0].extents[0].length == 4096);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  const auto st = load_state(rig.options().state_path);
  CHECK(!st->is_mounted);
  CHECK(!st->current_era);
  CHECK(!load_journal(rig.options().state_path));
  CHECK(rig.out.str().find("Blocks restored: 2") != std::string::npos);
}

TEST_CASE("recover drops the snapshot even when reading the metadata fails / keeps the device") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.fail = true;
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), "bad metadata");
  CHECK(!rig.dm.snapshot);
  CHECK(rig.dm.device);  // nothing lost: the next recover can read again
  CHECK(rig.copier.copies.empty());
  CHECK(load_state(rig.options().state_path)->is_mounted);
  rig.reader.fail = false;
  rig.reader.written = {{0, 2}};
  CHECK_NOTHROW(cmd_recover(ctx, {}));
  CHECK(!rig.dm.device);
}

TEST_CASE("recover when nothing is mounted is a successful no-op") {
  Rig rig;
  auto ctx = rig.context();
  auto o = rig.init_options();
  o.no_copy = true;
  cmd_init_from(ctx, o);
  CHECK_NOTHROW(cmd_recover(ctx, {}));
  CHECK(rig.out.str().find("Volume is not mounted. Nothing to recover.") != std::string::npos);
  CHECK(rig.events.empty());
}

TEST_CASE("recover with no written blocks copies nothing") {
  Rig rig;
  rig.init_and_mount();
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  CHECK(rig.copier.copies.empty());
  CHECK(rig.out.str().find("No blocks were modified. Nothing to recover.") != std::string::npos);
}

TEST_CASE("recover skips the unmount when the mount point is not mounted") {
  Rig rig;
  rig.init_and_mount();
  rig.mounter.mounted = false;
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  CHECK(rig.out.str().find("not actually mounted, skipping unmount") != std::string::npos);
  CHECK(filter_prefix(rig.events, {"unmount"}).empty());
}

TEST_CASE("recover passes --kill to the unmount") {
  Rig rig;
  rig.init_and_mount();
  rig.mounter.busy = true;
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("target is busy"));
  CHECK(rig.dm.device);
  cmd_recover(ctx, {true, false});
  CHECK(filter_prefix(rig.events, {"unmount"}).back() ==
        "unmount " + (rig.dir / "mnt").string() + " kill");
}

TEST_CASE("a snapshot left held by a killed run is dropped before taking a new one") {
  Rig rig;
  rig.init_and_mount();
  rig.dm.snapshot = true;
  auto ctx = rig.context();
  CHECK_NOTHROW(cmd_recover(ctx, {}));
  CHECK(rig.out.str().find("Repaired: dropped the metadata snapshot an interrupted run left on "
                           "era device 'bench_era'.") != std::string::npos);
  REQUIRE(ctx.report().repairs.size() == 1);
  CHECK(ctx.report().repairs[0].name == "drop_leftover_snapshot");
}

TEST_CASE("an interrupted copy resumes from the saved written set without the dm device") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 7, "benchmark");
  rig.reader.written = {{7, 8}};
  rig.copier.fail = true;  // stands in for a crash during the copy
  auto ctx = rig.context();
  CHECK_THROWS(cmd_recover(ctx, {}));
  CHECK(!rig.dm.device);
  const auto j = load_journal(rig.options().state_path);
  REQUIRE(j);
  CHECK(j->ranges == std::vector<BlockRange>{{7, 8}});
  CHECK(load_state(rig.options().state_path)->is_mounted);
  // promote and mount must not run over an unfinished recover.
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), Catch::Contains("run 'schelk recover'"));
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::StartsWith("Volume is already mounted. (The state says "
                                                      "so, but the era device and the mount are "
                                                      "gone: an interrupted operation is pending"));
  rig.copier.fail = false;
  rig.reader.written.clear();  // the reader is not asked again
  cmd_recover(ctx, {});
  CHECK(rig.out.str().find("Resuming an interrupted recover") != std::string::npos);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(!load_journal(rig.options().state_path));
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("without device and without journal recover demands full-recover") {
  Rig rig;
  rig.init_and_mount();
  rig.dm.device = false;  // a reboot: the era device and the mount are gone
  rig.mounter.mounted = false;
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("Run 'schelk full-recover'"));
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::StartsWith("Volume is already mounted. (The state says "
                                                      "so, but the era device and the mount are "
                                                      "gone: likely a reboot. Run 'schelk "
                                                      "repair'"));
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), Catch::Contains("Run 'schelk mount' to remount"));
}

TEST_CASE("promote copies scratch to virgin and re-hashes virgin - needs confirmation") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 0, "NEW SUPERBLOCK");
  write_at(rig.scratch, 4096 * 9, "new data");
  rig.reader.written = {{0, 1}, {9, 10}};
  {
    rig.in.str("n\n");
    auto ctx = rig.context(false);
    CHECK_THROWS_WITH(cmd_promote(ctx, {}), "Operation cancelled by user.");
    CHECK(rig.dm.device);
  }
  auto ctx = rig.context();
  cmd_promote(ctx, {});
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  const auto st = load_state(rig.options().state_path);
  CHECK(st->virgin_superblock_hash == hash_superblock(rig.virgin));
  CHECK(!st->is_mounted);
  CHECK(rig.out.str().find("Blocks promoted: 2") != std::string::npos);
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), "Volume is not mounted.");
  CHECK_NOTHROW(cmd_mount(ctx));  // scratch matches the new baseline
}

TEST_CASE("restore = recover + mount") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 5, "x");
  rig.reader.written = {{5, 6}};
  auto ctx = rig.context();
  cmd_restore(ctx, {});
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(load_state(rig.options().state_path)->is_mounted);
  CHECK(rig.dm.device);
  rig.reader.fail = true;
  CHECK_THROWS_WITH(cmd_restore(ctx, {}), Catch::StartsWith("Restore failed during recovery"));
}

TEST_CASE("full-recover: stale mounted state is cleared only when device and mount are gone") {
  Rig rig;
  rig.init_and_mount();
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_full_recover(ctx, false), "Volume is already mounted.");
  rig.dm.device = false;  // reboot
  rig.mounter.mounted = false;
  write_at(rig.scratch, 4096 * 20, "garbage");
  cmd_full_recover(ctx, false);
  CHECK(rig.out.str().find("Clearing stale mounted state") != std::string::npos);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(!load_state(rig.options().state_path)->is_mounted);
}

TEST_CASE("copy and verify are reported per phase: size, time and MiB/s, text and JSON") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{3, 5}};
  auto ctx = rig.context();
  cmd_recover(ctx, {false, true, false});
  // The fake copier takes 2 s to copy and 0.5 s to verify.
  const std::string out = rig.out.str();
  CHECK(out.find("  Bytes copied: 8.00 KiB\n  Time elapsed: 2.00s\n  Average speed: 0.0 MiB/s\n"
                 "  Verified: identical (0 mismatches), 8.00 KiB in 500ms (0.0 MiB/s)\n") !=
        std::string::npos);
  const auto j = ctx.report().to_json();
  CHECK(j["copy"] == nlohmann::ordered_json({{"bytes", 8192}, {"ms", 2000.0}, {"mib_per_s", 0.0}}));
  CHECK(j["verify"]["bytes"] == 8192);
  CHECK(j["verify"]["ms"] == 500.0);

  Rig full;
  full.init_and_mount();
  full.dm.device = false;  // a reboot: full-recover may run
  full.mounter.mounted = false;
  auto fctx = full.context();
  cmd_full_recover(fctx, true);
  CHECK(full.out.str().find("Full recovery complete: 256.00 KiB copied in 2.00s (0.1 MiB/s); "
                            "256.00 KiB verified in 500ms (0.5 MiB/s).\n") != std::string::npos);
  CHECK(fctx.report().to_json()["verify"]["bytes"] == Rig::kSize);
}

TEST_CASE("mutating commands refuse while another holds the lock") {
  Rig rig;
  auto ctx = rig.context();
  auto o = rig.init_options();
  o.no_copy = true;
  cmd_init_from(ctx, o);
  auto held = StateLock::acquire(rig.options().state_path);
  CHECK_THROWS_AS(cmd_mount(ctx), LockBusyError);
  CHECK_THROWS_AS(cmd_recover(ctx, {}), LockBusyError);
  CHECK_THROWS_AS(cmd_full_recover(ctx, false), LockBusyError);
  CHECK_THROWS_AS(cmd_init_from(ctx, o), LockBusyError);
  CHECK_NOTHROW(cmd_status(ctx, {}));  // status takes no lock
}

TEST_CASE("status compares the state with reality - --json is one object") {
  Rig rig;
  {
    auto ctx = rig.context();
    cmd_status(ctx, {});
    CHECK(rig.out.str().find("schelk is not initialized.") != std::string::npos);
  }
  rig.init_and_mount();
  rig.out.str("");
  auto ctx = rig.context();
  cmd_status(ctx, {});
  const std::string s = rig.out.str();
  CHECK(s.find("Mounted: yes (state)") != std::string::npos);
  CHECK(s.find("Mounted: yes (actual)") != std::string::npos);
  CHECK(s.find("dm-era device: active") != std::string::npos);
  CHECK(s.find("Current era: 1") != std::string::npos);
  CHECK(s.find("Superblock hash: " + base::to_hex(hash_superblock(rig.virgin))) !=
        std::string::npos);
  rig.dm.device = false;
  rig.mounter.mounted = false;
  rig.out.str("");
  cmd_status(ctx, {});
  CHECK(rig.out.str().find("Mounted: NO (actual) - state inconsistent!") != std::string::npos);
  CHECK(rig.out.str().find("dm-era device: MISSING (state inconsistent, possible crash)") !=
        std::string::npos);
  rig.out.str("");
  cmd_status(ctx, {.json = true});
  CHECK(rig.out.str().empty());  // --json: the CLI prints the report, the command no text
  const auto j = nlohmann::json::parse(ctx.report().to_json().dump());
  CHECK(j["initialized"] == true);
  CHECK(j["state_mounted"] == true);
  CHECK(j["actually_mounted"] == false);
  CHECK(j["dm_device_exists"] == false);
  CHECK(j["consistent"] == false);
  CHECK(j["dm_era_name"] == "bench_era");
}

TEST_CASE("an interrupted promote resumes from its saved set and blocks recover/full-recover") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 11, "promote me");
  rig.reader.written = {{11, 12}};
  rig.copier.fail = true;
  auto ctx = rig.context();
  CHECK_THROWS(cmd_promote(ctx, {}));
  CHECK(!rig.dm.device);
  REQUIRE(load_journal(rig.options().state_path));
  CHECK(load_journal(rig.options().state_path)->operation == "promote");
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("run 'schelk promote'"));
  rig.dm.device = false;
  rig.mounter.mounted = false;
  CHECK_THROWS_WITH(cmd_full_recover(ctx, false), Catch::Contains("run 'schelk promote'"));
  rig.copier.fail = false;
  cmd_promote(ctx, {});
  CHECK(rig.out.str().find("Resuming an interrupted promote") != std::string::npos);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(load_state(rig.options().state_path)->virgin_superblock_hash ==
        hash_superblock(rig.virgin));
  CHECK(!load_journal(rig.options().state_path));
}

TEST_CASE("commands ask the system view for root - non-root is refused before the lock") {
  Rig rig;
  rig.system.root = false;
  auto ctx = rig.context();
  for (auto run :
       {+[](Context& c) { cmd_mount(c); }, +[](Context& c) { cmd_recover(c, {}); },
        +[](Context& c) { cmd_promote(c, {}); }, +[](Context& c) { cmd_full_recover(c, false); }}) {
    CHECK_THROWS_WITH(run(ctx), Catch::StartsWith("This command requires root privileges."));
  }
  CHECK_THROWS_WITH(cmd_init_new(ctx, rig.init_options()),
                    Catch::StartsWith("This command requires root privileges."));
  CHECK_FALSE(std::filesystem::exists(lock_path_for(rig.options().state_path)));
  CHECK_NOTHROW(cmd_status(ctx, {}));  // status needs no root
}

TEST_CASE("init-new checks for mkfs.ext4 before it writes anything") {
  Rig rig;
  rig.volumes.mkfs_missing = true;
  const std::string before = slurp(rig.virgin);
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_init_new(ctx, rig.init_options()), Catch::Contains("mkfs.ext4 not found"));
  CHECK(slurp(rig.virgin) == before);
  CHECK(rig.copier.copies.empty());
  CHECK_NOTHROW(cmd_init_from(ctx, rig.init_from_no_copy()));  // init-from needs no mkfs
}

TEST_CASE("a ramdisk below the ideal size is a warning on the error stream, not stdout") {
  Rig rig;
  // Required for the rig's volume: 49,561 bytes; ideal: about 1.05 MiB.
  std::filesystem::resize_file(rig.ram, 15 * 4096);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  const std::string warning =
      "Warning: RAM disk size (0.06 MiB) is less than ideal (1.05 MiB). This may work but leaves "
      "little headroom. A RAM disk for this volume needs 2 MiB: modprobe brd rd_nr=1 "
      "rd_size=2048 (rmmod brd first if it is loaded).\n";
  CHECK(rig.err.str() == warning);
  CHECK(rig.out.str().find("Warning: RAM disk") == std::string::npos);
  rig.err.str("");
  cmd_mount(ctx);
  CHECK(rig.err.str() == warning);
  std::filesystem::resize_file(rig.ram, 10 * 4096);
  rig.dm.device = false;
  rig.mounter.mounted = false;
  cmd_full_recover(ctx, false);  // back to unmounted
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::StartsWith("RAM disk too small"));
}

TEST_CASE("a whole cycle asks the fakes for /proc, /sys and devices - never the host") {
  Rig rig;
  // Scratch is block device 259:7 of the fake view, its sysfs counters in the rig's temp dir.
  rig.system.block_devices[rig.scratch] = makedev(259, 7);
  const auto dev_dir = rig.dir / "sys" / "dev" / "block" / "259:7";
  std::filesystem::create_directories(dev_dir / "holders");
  std::ofstream(dev_dir / "stat") << "1 0 2 3 4 0 1000 5 0 6 7\n";
  auto ctx = rig.context();
  cmd_init_new(ctx, rig.init_options());
  cmd_mount(ctx);
  rig.reader.written = {{2, 3}};
  cmd_restore(ctx, {});
  cmd_promote(ctx, {});
  cmd_mount(ctx);
  cmd_recover(ctx, {});
  cmd_full_recover(ctx, false);
  cmd_status(ctx, {.json = true});
  const auto& asked = rig.system.calls.own;
  for (const std::string& call : std::vector<std::string>{
           "is_root", "proc_root", "sys_root", "block_device_number " + rig.scratch,
           "exclusively_claimed " + rig.scratch, "discards off"}) {
    CHECK(std::count(asked.begin(), asked.end(), call) > 0);
  }
  // The stamp was read from the fake sysfs and the fake boot id.
  const auto stamp = stamp_from_json(slurp(scratch_stamp_path_for(rig.options().state_path)));
  CHECK(stamp.counters.write_sectors == 1000);
  CHECK(stamp.boot_id == "boot-1");
  // A writer planted in the fake /proc stops mount: the flow reads the fake tree.
  const auto pid = rig.system.proc_root() / "4242";
  std::filesystem::create_directories(pid / "fd");
  std::filesystem::create_directories(pid / "fdinfo");
  std::filesystem::create_symlink(rig.scratch, pid / "fd" / "3");
  std::ofstream(pid / "fdinfo" / "3") << "flags:\t01\n";
  std::ofstream(pid / "comm") << "fio\n";
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("by process 4242 (fio)"));
  // A host device handed to the fakes is refused, not opened.
  auto o = rig.init_options();
  o.virgin = "/dev/nvme0n1";
  CHECK_THROWS_AS(cmd_init_from(ctx, o), std::logic_error);
}
