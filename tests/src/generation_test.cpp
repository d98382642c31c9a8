// Baseline ids and generations: init makes a random v4 UUID and generation 0; each promote adds
// one (recover and full-recover do not); the state file keeps both and refuses an id that is not a
// UUID; a state from before generations gets an id at its first promote.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "src/state/state.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

TEST_CASE("baseline ids: random version 4 UUIDs, their bytes and back") {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = make_baseline_id();
    CHECK(std::regex_match(id, uuid));
    const auto bytes = baseline_id_bytes(id);
    REQUIRE(bytes);
    CHECK(baseline_id_text(*bytes) == id);
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
  for (const std::string bad :
       {"", "x", "0123456789abcdef0123456789abcdef0123", "01234567-89ab-cdef-0123-456789ABCDEF",
        "01234567-89ab-cdef-0123_456789abcdef"}) {
    CHECK_FALSE(baseline_id_bytes(bad));
  }
}

TEST_CASE("generations: init 0, +1 per promote, kept in the state, shown by status") {
  Rig rig;
  auto ctx = rig.context();
  cmd_init_from(ctx, rig.init_from_no_copy());
  auto st = *load_state(rig.options().state_path);
  REQUIRE(st.baseline_id);
  CHECK(st.generation == 0);
  const std::string id = *st.baseline_id;

  cmd_mount(ctx);
  cmd_recover(ctx, {});
  CHECK(load_state(rig.options().state_path)->generation == 0);
  for (uint64_t g = 1; g <= 2; ++g) {
    cmd_mount(ctx);
    auto promote = rig.context();
    cmd_promote(promote, {});
    st = *load_state(rig.options().state_path);
    CHECK(st.generation == g);
    CHECK(*st.baseline_id == id);
    CHECK(promote.report().fields["generation"] == g);
    CHECK(promote.report().fields["baseline_id"] == id);
  }
  auto status = rig.context();
  cmd_status(status, {true, false});
  CHECK(status.report().fields["baseline_id"] == id);
  CHECK(status.report().fields["generation"] == 2);

  // A new init is a new baseline.
  cmd_init_from(ctx, rig.init_from_no_copy());
  st = *load_state(rig.options().state_path);
  CHECK(*st.baseline_id != id);
  CHECK(st.generation == 0);
}

TEST_CASE("generations: the state file keeps them, an id that is not a UUID is refused") {
  State s;
  s.baseline_id = make_baseline_id();
  s.generation = 7;
  const State back = state_from_json(state_to_json(s));
  CHECK(back.baseline_id == s.baseline_id);
  CHECK(back.generation == 7);
  State old;  // before generations: neither field written
  CHECK(state_to_json(old).find("baseline_id") == std::string::npos);
  CHECK_FALSE(state_from_json(state_to_json(old)).baseline_id);
  std::string text = state_to_json(s);
  text.replace(text.find(*s.baseline_id), 36, std::string(36, 'z'));
  CHECK_THROWS_WITH(state_from_json(text), Catch::Contains("baseline_id is not a UUID"));
}
