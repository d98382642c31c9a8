// recover/restore --full-if-needed against the fakes: every branch (clean, tracked, tracking lost,
// untracked writes, cannot tell, superblock differs), that nothing changes without the flag, the
// scratch_clean field's life cycle in the state, and full-recover of a clean pair (--force).
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "src/workflow/cli.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::FakeScratch;
using test::Rig;
using test::slurp;
using test::write_at;
namespace fs = std::filesystem;

namespace {

using test::stat_line;

RecoverOptions full_if_needed() {
  RecoverOptions o;
  o.full_if_needed = true;
  return o;
}

State state_of(Rig& rig) { return *load_state(rig.options().state_path); }

bool has(const std::ostringstream& s, const std::string& text) {
  return s.str().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("scratch_clean: set by init and recover, cleared by mount, absent from old files") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  CHECK(state_of(rig).scratch_clean_at);
  CHECK(slurp(rig.options().state_path).find("\"scratch_clean\": true") != std::string::npos);
  cmd_mount(ctx);
  CHECK_FALSE(state_of(rig).scratch_clean_at);
  CHECK(slurp(rig.options().state_path).find("scratch_clean") == std::string::npos);
  cmd_recover(ctx, {});
  CHECK(state_of(rig).scratch_clean_at);
  // A file with only the original field set loads as "not known clean"; the field round-trips.
  State s = state_of(rig);
  s.scratch_clean_at.reset();
  CHECK_FALSE(state_from_json(state_to_json(s)).scratch_clean_at);
  s.scratch_clean_at = 1700000000;
  CHECK(state_from_json(state_to_json(s)).scratch_clean_at == 1700000000u);
}

TEST_CASE("without --full-if-needed recover and restore are unchanged") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  rig.init_and_mount();
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  cmd_recover(ctx, {});
  CHECK(has(rig.out, "Volume is not mounted. Nothing to recover."));
  CHECK_FALSE(has(rig.out, "Scratch is clean"));
  CHECK_FALSE(ctx.report().fields.contains("reason"));
  auto st = state_of(rig);
  st.is_mounted = true;
  ctx.save(st);
  rig.dm.device = false;
  CHECK_THROWS_WITH(cmd_recover(ctx, {}), Catch::Contains("Run 'schelk full-recover'"));
  CHECK(rig.copier.copies.empty());
}

TEST_CASE("recover --full-if-needed on a clean unmounted volume: restore only mounts") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  rig.events.clear();
  cmd_restore(ctx, full_if_needed());
  CHECK(has(rig.out, "Scratch is clean: nothing to recover."));
  CHECK(ctx.report().path == "none");
  CHECK(ctx.report().fields["reason"] == "clean");
  CHECK(rig.copier.copies.empty());
  CHECK(state_of(rig).is_mounted);
  CHECK(rig.dm.device);
}

TEST_CASE("recover --full-if-needed while tracked: the incremental copy") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 5, "x");
  rig.reader.written = {{5, 6}};
  auto ctx = rig.context();
  cmd_recover(ctx, full_if_needed());
  CHECK(has(rig.out, "Tracking is intact"));
  CHECK(ctx.report().path == "incremental");
  CHECK(ctx.report().fields["reason"] == "tracked");
  REQUIRE(rig.copier.copies.size() == 1);
  CHECK(rig.copier.copies[0].extents.size() == 1);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(state_of(rig).scratch_clean_at);
}

TEST_CASE(
    "recover --full-if-needed after a reboot while mounted: a full copy, then restore mounts") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  rig.init_and_mount();
  rig.dm.device = false;  // reboot: no era device, no mount, state still says mounted
  rig.mounter.mounted = false;
  write_at(rig.scratch, 4096 * 20, "garbage");
  auto ctx = rig.context();
  cmd_restore(ctx, full_if_needed());
  CHECK(has(rig.out,
            "Tracking was lost (rebooted while mounted): copying all of virgin to "
            "scratch (--full-if-needed)."));
  CHECK(ctx.report().path == "full");
  CHECK(ctx.report().fields["reason"] == "tracking_lost");
  CHECK(ctx.report().bytes_copied == Rig::kSize);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(state_of(rig).is_mounted);
  CHECK(rig.dm.device);
}

TEST_CASE("recover --full-if-needed after writes outside schelk while unmounted: a full copy") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  rig.init_and_mount();
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  write_at(rig.scratch, 4096 * 30, "dd");
  sys.set_counters(1016, 0);
  CHECK_THROWS_WITH(cmd_restore(ctx, {}), Catch::Contains("changed outside schelk"));
  cmd_recover(ctx, full_if_needed());
  CHECK(has(rig.out,
            "Scratch was changed outside schelk since it was last restored (0.0 MiB "
            "written, 0.0 MiB discarded): copying all of virgin to scratch"));
  CHECK(ctx.report().path == "full");
  CHECK(ctx.report().fields["reason"] == "untracked_writes");
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
  CHECK(state_of(rig).scratch_clean_at);
  CHECK_NOTHROW(cmd_mount(ctx));  // the new stamp trusts scratch again
}

TEST_CASE(
    "recover --full-if-needed when the stamp cannot tell or the superblock differs: a full copy") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  rig.init_and_mount();
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  SECTION("rebooted since the stamp") {
    rig.system.set_boot_id("boot-2");
    cmd_recover(ctx, full_if_needed());
    CHECK(ctx.report().fields["reason"] == "unverifiable");
  }
  SECTION("no stamp at all") {
    fs::remove(scratch_stamp_path_for(rig.options().state_path));
    cmd_recover(ctx, full_if_needed());
    CHECK(ctx.report().fields["reason"] == "unverifiable");
    CHECK(has(rig.out, "no record of its write counters"));
  }
  SECTION("superblock differs, counters unchanged") {
    write_at(rig.scratch, 0, "NOT THE SUPERBLOCK");
    cmd_recover(ctx, full_if_needed());
    CHECK(has(rig.out, "Scratch's superblock differs from virgin's: copying all of virgin"));
    CHECK(ctx.report().fields["reason"] == "superblock_differs");
  }
  CHECK(ctx.report().path == "full");
  CHECK(rig.copier.copies.size() == 1);
  CHECK(slurp(rig.virgin) == slurp(rig.scratch));
}

TEST_CASE("full-recover of a clean pair copies nothing unless --force") {
  Rig rig;
  FakeScratch sys(rig.system, rig.scratch);
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  cmd_full_recover(ctx, false);
  CHECK(has(rig.out, "Scratch is already equal to virgin"));
  CHECK(ctx.report().outcome == "nothing_to_do");
  CHECK(ctx.report().path == "none");
  CHECK(rig.copier.copies.empty());
  cmd_full_recover(ctx, false, true);
  CHECK(rig.copier.copies.size() == 1);
  CHECK(has(rig.out, "Full recovery complete"));
  // Not trusted clean once the counters moved: it copies.
  sys.set_counters(2000, 0);
  cmd_full_recover(ctx, false);
  CHECK(rig.copier.copies.size() == 2);
  // Nor without a stamp to prove it.
  rig.system.block_devices.clear();
  cmd_full_recover(ctx, false);
  CHECK(rig.copier.copies.size() == 3);
}

TEST_CASE("recover --full-if-needed is a recover/restore flag, --force a full-recover one") {
  auto parse = [](std::vector<std::string> a) {
    a.insert(a.begin(), "schelk");
    return parse_workflow_args(a);
  };
  CHECK(parse({"restore", "-y", "--kill", "--full-if-needed"}).recover.full_if_needed);
  CHECK(parse({"recover", "--full-if-needed"}).recover.full_if_needed);
  CHECK_FALSE(parse({"recover"}).recover.full_if_needed);
  CHECK(parse({"full-recover", "--force"}).force);
  CHECK_THROWS_AS(parse({"mount", "--full-if-needed"}), UsageError);
  CHECK_THROWS_AS(parse({"recover", "--force"}), UsageError);
}
