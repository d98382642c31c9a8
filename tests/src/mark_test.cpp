// schelk mark against the fakes: a phase rolls the era device to a new era (checkpoint) and the
// state records label, era and time; labels are unique per mount and a new mount starts with
// none; refused when unmounted, without the era device, or with a label that is not a word.
#include <catch2/catch.hpp>

#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

TEST_CASE("mark starts a phase: checkpoint, then label and era in the state") {
  Rig rig;
  rig.init_and_mount();
  const uint32_t era_before = rig.dm.era;
  auto ctx = rig.context();
  cmd_mark(ctx, "load");
  CHECK(rig.events == std::vector<std::string>{"message bench_era checkpoint", "status bench_era"});
  CHECK(rig.dm.era == era_before + 1);
  auto st = *load_state(rig.options().state_path);
  REQUIRE(st.phases.size() == 1);
  CHECK(st.phases[0].label == "load");
  CHECK(st.phases[0].era == era_before + 1);
  CHECK(st.phases[0].at > 0);
  CHECK(ctx.report().fields["era"] == era_before + 1);
  CHECK(rig.out.str().find("Phase 'load' started: writes from now on count in era") !=
        std::string::npos);

  cmd_mark(ctx, "run:1");
  CHECK_THROWS_WITH(cmd_mark(ctx, "load"), Catch::Contains("is already used in this mount (era " +
                                                           std::to_string(era_before + 1)));
  st = *load_state(rig.options().state_path);
  CHECK(st.phases.size() == 2);
  CHECK(st.phases[1].era == era_before + 2);

  // status lists them; a new mount starts with none.
  auto status = rig.context();
  cmd_status(status, {true, false});
  CHECK(status.report().fields["phases"].size() == 2);
  cmd_recover(ctx, {});
  cmd_mount(ctx);
  CHECK(load_state(rig.options().state_path)->phases.empty());
  cmd_mark(ctx, "load");  // unique per mount only
}

TEST_CASE("mark refuses: not mounted, no era device, labels that are not words") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  CHECK_THROWS_WITH(cmd_mark(ctx, "x"), Catch::Contains("Run 'schelk mount' first"));
  cmd_mount(ctx);
  for (const std::string& bad :
       std::vector<std::string>{"", "-x", "a b", "a/b", std::string(65, 'a'), "é"}) {
    INFO(bad);
    CHECK_THROWS_WITH(cmd_mark(ctx, bad), Catch::StartsWith("Phase label"));
  }
  rig.dm.device = false;
  rig.events.clear();
  CHECK_THROWS_WITH(cmd_mark(ctx, "x"), Catch::Contains("does not exist"));
  CHECK(rig.events.empty());
  CHECK(load_state(rig.options().state_path)->phases.empty());
}
