// promote killed after saving the state but before removing its saved written set: the rerun
// must finish (remove the set) instead of refusing, and full-recover must work afterwards.
#include <catch2/catch.hpp>

#include "src/state/journal.hpp"
#include "src/state/state.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::slurp;
using test::write_at;

namespace {

// The journal capture_written_set saves, as a promote killed after its state save leaves it.
Journal left_journal(Rig& rig, const std::string& operation) {
  const auto st = load_state(rig.options().state_path);
  REQUIRE(st);
  Journal j;
  j.operation = operation;
  j.dm_era_name = st->dm_era_name;
  j.granularity = st->granularity;
  j.nr_blocks = Rig::kSize / st->granularity;
  j.ranges = {{5, 6}};
  return j;
}

}  // namespace

TEST_CASE("promote killed between state save and journal removal finishes on the rerun") {
  Rig rig;
  rig.init_and_mount();
  write_at(rig.scratch, 4096 * 5, "promoted");
  rig.reader.written = {{5, 6}};
  auto ctx = rig.context();
  cmd_promote(ctx, {});
  REQUIRE(slurp(rig.virgin) == slurp(rig.scratch));
  save_journal(rig.options().state_path, left_journal(rig, "promote"));

  rig.out.str("");
  rig.events.clear();
  CHECK_NOTHROW(cmd_promote(ctx, {}));
  CHECK(rig.out.str().find("Nothing to promote") != std::string::npos);
  CHECK(!load_journal(rig.options().state_path));
  CHECK(rig.events.empty());  // no dm call, no copy
  CHECK(!load_state(rig.options().state_path)->is_mounted);
  // Before the fix, full-recover refused over the left promote journal.
  CHECK_NOTHROW(cmd_full_recover(ctx, false));
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), "Volume is not mounted.");
}

TEST_CASE("promote when not mounted still refuses over a finished recover's journal") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{5, 6}};
  auto ctx = rig.context();
  cmd_recover(ctx, {});
  save_journal(rig.options().state_path, left_journal(rig, "recover"));
  CHECK_THROWS_WITH(cmd_promote(ctx, {}), "Volume is not mounted.");
  CHECK(load_journal(rig.options().state_path));  // not promote's to remove (mount does)
}
