// The run history: the written-set codec (round trips, bounds on hostile input), records and
// retention in a directory, and the records recover and promote leave through the workflow
// (against the fakes), with their written set, phases and report.
#include <catch2/catch.hpp>
#include <random>

#include "src/history/run_history.hpp"
#include "src/workflow/workflow.hpp"
#include "tests/support/temp_path.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;
using test::TempDir;

namespace {

std::vector<BlockRange> random_set(std::mt19937_64& rng, size_t n) {
  std::vector<BlockRange> ranges;
  uint64_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    at += 1 + rng() % 1000;
    const uint64_t len = 1 + rng() % 64;
    ranges.push_back({at, at + len});
    at += len;
  }
  return ranges;
}

}  // namespace

TEST_CASE("written-set codec: round trips, compact, refuses what is not a set") {
  std::mt19937_64 rng(7);
  for (const size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{100000}}) {
    const auto set = random_set(rng, n);
    const auto bytes = encode_written_set(set);
    CHECK(decode_written_set(bytes) == set);
    if (n == 100000) CHECK(bytes.size() < n * 4);  // the journal's text takes ~14 bytes a range
  }
  const std::vector<BlockRange> top{{UINT64_MAX - 2, UINT64_MAX}};
  CHECK(decode_written_set(encode_written_set(top)) == top);
  CHECK_THROWS_AS(encode_written_set({{5, 9}, {8, 10}}), HistoryError);
  CHECK_THROWS_AS(encode_written_set({{5, 5}}), HistoryError);
}

TEST_CASE("written-set codec: hostile bytes end in HistoryError, within bounds") {
  CHECK_THROWS_AS(decode_written_set(""), HistoryError);
  CHECK_THROWS_AS(decode_written_set("not zstd at all"), HistoryError);
  std::mt19937_64 rng(9);
  const auto bytes = encode_written_set(random_set(rng, 5000));
  CHECK_THROWS_AS(decode_written_set(bytes.substr(0, bytes.size() / 2)), HistoryError);
  CHECK_THROWS_AS(decode_written_set(bytes, 100), HistoryError);  // more ranges than allowed
  for (size_t i = 0; i < 300; ++i) {  // flipped bytes: an error or a valid set, never a crash
    auto bad = bytes;
    bad[rng() % bad.size()] = static_cast<char>(rng());
    try {
      (void)decode_written_set(bad, 1 << 20);
    } catch (const HistoryError&) {
    }
  }
}

TEST_CASE("history directory: records oldest first, last, written sets, retention") {
  TempDir dir;
  const auto h = dir.path() / "history";
  HistoryLimits limits;
  limits.max_runs = 3;
  for (uint64_t i = 1; i <= 5; ++i) {
    RunRecord r;
    r.command = "recover";
    r.started_ms = 1000 * i;
    r.ended_ms = 1000 * i + 250;
    r.id = make_run_id(r.started_ms, r.command);
    r.version = "test";
    r.report = {{"outcome", "ok"}, {"bytes_copied", i * 4096}};
    save_run(h, r, {{i, i + 1}}, limits);
  }
  auto runs = list_runs(h);
  REQUIRE(runs.size() == 3);
  CHECK(runs.front().id == "000000000003000-recover");
  CHECK(runs.back().id == "000000000005000-recover");
  CHECK(find_run(h, "last")->id == runs.back().id);
  CHECK(load_run_written_set(h, runs.back().id) == std::vector<BlockRange>{{5, 6}});
  CHECK(!find_run(h, "nope"));
  // A byte bound keeps the newest that fit.
  limits.max_bytes = 1;
  CHECK(prune_history(h, limits) == 3);
  CHECK(list_runs(h).empty());
}

TEST_CASE("recover leaves a history record with its written set, phases and report") {
  Rig rig;
  rig.init_and_mount();
  rig.reader.written = {{3, 5}, {9, 10}};
  auto mark = rig.context();
  cmd_mark(mark, "load");
  auto ctx = rig.context();
  ctx.report().command = "recover";
  const uint64_t started = unix_now_ms();
  cmd_recover(ctx, {});
  record_run(ctx, started, "schelk test");
  const auto h = history_dir_for(rig.options().state_path);
  const auto run = find_run(h, "last");
  REQUIRE(run);
  CHECK(run->command == "recover");
  CHECK(run->written_ranges == 2);
  CHECK(run->report["path"] == "incremental");
  CHECK(run->report["blocks_copied"] == 3);
  CHECK(run->report["phases"][0]["label"] == "load");
  CHECK(load_run_written_set(h, run->id) == rig.reader.written);
  // history lists it, and --keep-runs 0 removes it.
  auto list = rig.context();
  cmd_history(list, {true, std::nullopt, std::nullopt});
  CHECK(list.report().fields["runs"].size() == 1);
  auto keep = rig.context();
  cmd_history(keep, {true, 0, std::nullopt});
  CHECK(keep.report().fields["runs"].empty());
  CHECK(load_state(rig.options().state_path)->history_max_runs == 0u);
}

TEST_CASE("mount, and a recover that stopped before its first step, leave no history record") {
  Rig rig;
  rig.init_and_mount();
  auto ctx = rig.context();
  ctx.report().command = "mount";
  ctx.report().add_step("mount", 1);
  record_run(ctx, unix_now_ms(), "schelk test");
  rig.system.root = false;
  auto not_root = rig.context();
  not_root.report().command = "recover";
  CHECK_THROWS(cmd_recover(not_root, {}));
  record_run(not_root, unix_now_ms(), "schelk test");
  CHECK(list_runs(history_dir_for(rig.options().state_path)).empty());
  CHECK(rig.err.str().find("could not record") == std::string::npos);
}
