// schelk repair and the safe repairs recover/mount/full-recover make first, against the fakes:
// each case of repair.hpp (orphaned era device, unknown mount, reboot while mounted, leftover
// snapshot, stale or unreadable files, remount), the cases it must never touch (a foreign
// device, a device held open, a foreign mount), --dry-run, the confirmation and the JSON fields.
#include "src/workflow/repair.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "src/state/journal.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::slurp;
using test::write_at;

namespace {

// init-from --no-copy (unmounted), then an era device over scratch made behind schelk's back.
void init_with_orphan(Rig& rig) {
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  rig.dm.create_era("bench_era", rig.ram, rig.scratch, Rig::kSize / 512, 8);
  rig.events.clear();
  rig.dm.calls.own.clear();
}

// The first call that changed something (queries left out).
std::string first_change(const Rig& rig) {
  for (const auto& e : rig.events) {
    if (e.rfind("status ", 0) != 0) return e;
  }
  return "";
}

State saved(Rig& rig) { return *load_state(rig.options().state_path); }

int status_check(Rig& rig) {
  auto ctx = rig.context();
  cmd_status(ctx, {true, true});
  return ctx.report().exit_code;
}

std::vector<std::string> repair_names(const Context& ctx) {
  std::vector<std::string> names;
  for (const auto& r : ctx.report().repairs) names.push_back(r.name);
  return names;
}

}  // namespace

TEST_CASE("repair removes an orphaned era device that is schelk's, --dry-run changes nothing") {
  Rig rig;
  init_with_orphan(rig);
  CHECK(status_check(rig) == kExitInconsistent);
  {
    auto ctx = rig.context();
    cmd_repair(ctx, {true, false});
    CHECK(rig.dm.device);
    CHECK(ctx.report().repairs.empty());
    CHECK(ctx.report().fields["planned"][0]["name"] == "remove_orphaned_era_device");
    CHECK(rig.out.str().find("Would repair: removed era device 'bench_era'") != std::string::npos);
  }
  auto ctx = rig.context();
  cmd_repair(ctx, {});
  CHECK(!rig.dm.device);
  CHECK(repair_names(ctx) == std::vector<std::string>{"remove_orphaned_era_device"});
  CHECK(status_check(rig) == 0);
  auto again = rig.context();
  cmd_repair(again, {});
  CHECK(again.report().outcome == "nothing_to_do");
}

TEST_CASE("repair asks before changing anything unless -y") {
  Rig rig;
  init_with_orphan(rig);
  rig.in.str("n\n");
  auto ctx = rig.context(false);
  CHECK_THROWS_AS(cmd_repair(ctx, {}), CancelledError);
  CHECK(rig.dm.device);
  CHECK(rig.out.str().find("Will repair: removed era device 'bench_era'") != std::string::npos);
}

TEST_CASE("mount removes an orphaned era device first, then mounts") {
  Rig rig;
  init_with_orphan(rig);
  auto ctx = rig.context();
  cmd_mount(ctx);
  CHECK(rig.out.str().find("Repaired: removed era device 'bench_era'") != std::string::npos);
  CHECK(repair_names(ctx) == std::vector<std::string>{"remove_orphaned_era_device"});
  CHECK(first_change(rig) == "remove bench_era");
  CHECK(rig.mounter.mounted);
  CHECK(saved(rig).is_mounted);
}

TEST_CASE("an era device something holds open is never removed") {
  Rig rig;
  init_with_orphan(rig);
  rig.dm.other_openers = 1;
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_repair(ctx, {}), Catch::Contains("something holds it open (open count 1"));
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("schelk will not remove it"));
  CHECK(rig.dm.device);
  CHECK(rig.dm.calls.own.empty() == false);
  for (const auto& c : rig.dm.calls.own) CHECK(c.rfind("remove", 0) != 0);
}

TEST_CASE("a device with schelk's name over other devices is never touched") {
  Rig rig;
  init_with_orphan(rig);
  SECTION("another origin") { rig.dm.targets = {{0, 512, "era", rig.ram + " /dev/other 8"}}; }
  SECTION("another block size") {
    rig.dm.targets = {{0, 512, "era", rig.ram + " " + rig.scratch + " 16"}};
  }
  SECTION("two targets") { rig.dm.targets.push_back({512, 8, "zero", ""}); }
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_repair(ctx, {}), Catch::Contains("already exists but is not schelk's"));
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("'dmsetup remove bench_era'"));
  CHECK(rig.dm.device);
  for (const auto& c : rig.dm.calls.own) CHECK(c.rfind("remove", 0) != 0);
}

TEST_CASE("a mount of schelk's era device the state does not know: unmounted, full copy needed") {
  Rig rig;
  init_with_orphan(rig);
  rig.mounter.mount("/dev/mapper/bench_era", (rig.dir / "mnt").string(), "ext4", "");
  write_at(rig.scratch, 4096 * 3, "written through the unknown mount");
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::StartsWith("Scratch was written through a mount schelk "
                                                      "did not record"));
  CHECK(repair_names(ctx) ==
        std::vector<std::string>{"unmount_unknown_mount", "remove_orphaned_era_device"});
  CHECK(!rig.mounter.mounted);
  CHECK(!rig.dm.device);
  CHECK(saved(rig).needs_full_recover == std::string(kNeedsFullUnknownMount));
  CHECK(!saved(rig).scratch_clean_at);
  CHECK(status_check(rig) == kExitNeedsFullRecover);
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("Run 'schelk full-recover'"));
  // The pipeline's one command copies all of virgin and mounts.
  RecoverOptions o;
  o.full_if_needed = true;
  auto pipeline = rig.context();
  cmd_restore(pipeline, o);
  CHECK(pipeline.report().path == "full");
  CHECK(pipeline.report().fields["reason"] == "unknown_mount");
  CHECK(!saved(rig).needs_full_recover);
  CHECK(saved(rig).is_mounted);
}

TEST_CASE("reboot while mounted: repair records it, recover and mount say what to do") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 5, "lost with the reboot");
  rig.dm.device = false;
  rig.mounter.mounted = false;
  auto ctx = rig.context();
  // recover keeps schelk's message and changes nothing.
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("likely a host reboot or power loss"));
  CHECK(saved(rig).is_mounted);
  CHECK(status_check(rig) == kExitInconsistent);
  auto repair = rig.context();
  cmd_repair(repair, {});
  CHECK(repair_names(repair) == std::vector<std::string>{"clear_stale_mounted_state"});
  CHECK(repair.report().fields["needs_full_recover"] == "tracking_lost");
  CHECK(!saved(rig).is_mounted);
  CHECK(!saved(rig).current_era);
  CHECK(saved(rig).needs_full_recover == std::string(kNeedsFullTrackingLost));
  CHECK(status_check(rig) == kExitNeedsFullRecover);
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("Run 'schelk full-recover'"));
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("Incremental recovery is not possible"));
  CHECK(slurp(rig.virgin) != slurp(rig.scratch));
  auto full = rig.context();
  cmd_full_recover(full, false);
  CHECK(full.report().path == "full");
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(!saved(rig).needs_full_recover);
  CHECK(status_check(rig) == 0);
}

TEST_CASE("repair drops a leftover snapshot and remounts a tracked device the state has mounted") {
  Rig rig;
  rig.init_and_mount();
  rig.dm.snapshot = true;
  rig.mounter.unmount((rig.dir / "mnt").string(), false);
  auto ctx = rig.context();
  cmd_repair(ctx, {});
  CHECK(repair_names(ctx) == std::vector<std::string>{"drop_leftover_snapshot", "remount"});
  CHECK(!rig.dm.snapshot);
  CHECK(rig.mounter.mounted);
  CHECK(rig.mounter.era_device_mounted);
  CHECK(status_check(rig) == 0);
}

TEST_CASE("recover unmounts other mounts of the era device before it removes the device") {
  Rig rig;
  rig.init_and_mount();
  rig.mounter.other_era_mounts = {"/elsewhere"};
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  CHECK(first_change(rig) == "unmount /elsewhere");
  CHECK(repair_names(ctx) == std::vector<std::string>{"unmount_unknown_mount"});
  CHECK(!rig.dm.device);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
}

TEST_CASE("repair removes a finished copy's written set and an unreadable stamp") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  Journal j;
  j.operation = "recover";
  j.dm_era_name = "bench_era";
  j.granularity = 4096;
  j.nr_blocks = 64;
  j.ranges = {{1, 2}};
  save_journal(rig.options().state_path, j);
  std::ofstream(scratch_stamp_path_for(rig.options().state_path)) << "{not json";
  auto r = rig.context();
  cmd_repair(r, {});
  CHECK(repair_names(r) ==
        std::vector<std::string>{"remove_stale_written_set", "remove_unreadable_scratch_stamp"});
  CHECK(!load_journal(rig.options().state_path));
  CHECK(!std::filesystem::exists(scratch_stamp_path_for(rig.options().state_path)));
}

TEST_CASE("an interrupted recover is pending: repair copies nothing and exits 3") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{7, 8}};
  rig.copier.fail = true;
  auto ctx = rig.context();
  CHECK_THROWS(cmd_recover(ctx, {}));
  rig.copier.fail = false;
  rig.copier.copies.clear();
  auto r = rig.context();
  cmd_repair(r, {});
  CHECK(r.report().repairs.empty());
  CHECK(r.report().fields["pending"] == "recover");
  CHECK(r.report().exit_code == kExitInterrupted);
  CHECK(rig.copier.copies.empty());
  CHECK(rig.out.str().find("run 'schelk recover' to finish it") != std::string::npos);
}

TEST_CASE("a foreign mount on the mount point after the era device vanished is a problem") {
  Rig rig;
  rig.init_and_mount();
  rig.dm.device = false;
  rig.mounter.era_device_mounted = false;  // something else is mounted there now
  auto ctx = rig.context();
  CHECK_THROWS_WITH(cmd_repair(ctx, {}), Catch::Contains("is mounted, but not from schelk's era "
                                                         "device 'bench_era', which is gone"));
  CHECK(ctx.report().fields["problems"][0]["name"] == "foreign_mount");
  CHECK(saved(rig).is_mounted);
}
