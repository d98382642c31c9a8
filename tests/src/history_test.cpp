// The run history: the written-set codec (round trips, bounds on hostile input), records and
// retention in a directory, and the records recover and promote leave through the workflow
// (against the fakes), with their written set, phases and report.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
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

// recover --map-files of `written` (mounted before), recorded in the history as the CLI does.
void recover_mapping_files(test::Rig& rig, std::vector<BlockRange> written) {
  rig.reader.written = std::move(written);
  auto ctx = rig.context();
  ctx.report().command = "recover";
  RecoverOptions opts;
  opts.map_files = true;
  cmd_recover(ctx, opts);
  record_run(ctx, unix_now_ms(), "schelk test");
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

TEST_CASE("history directory: a run's file map is kept, read back and counted by retention") {
  TempDir dir;
  const auto h = dir.path() / "history";
  RunRecord r;
  r.command = "recover";
  r.id = make_run_id(1000, r.command);
  r.version = "test";
  const nlohmann::ordered_json map = {{"source", "libext2fs"}, {"files", {{{"path", "/a"}}}}};
  save_run(h, r, {{1, 2}}, {}, &map);
  CHECK(load_run_files(h, r.id) == nlohmann::json::parse(map.dump()));
  RunRecord plain = r;
  plain.id = make_run_id(2000, r.command);
  save_run(h, plain, {{1, 2}}, {});
  CHECK(!load_run_files(h, plain.id));
  std::vector<std::string> problems;
  CHECK(list_runs(h, &problems).size() == 2);  // <id>.files.json is no record
  CHECK(problems.empty());
  // The byte bound counts <id>.files.json: exactly the newer run's two files fit.
  HistoryLimits limits;
  limits.max_bytes = std::filesystem::file_size(h / (plain.id + ".json")) +
                     std::filesystem::file_size(h / (plain.id + ".written.zst"));
  CHECK(prune_history(h, limits) == 1);
  CHECK(!std::filesystem::exists(h / (r.id + ".files.json")));
}

TEST_CASE("recover --map-files records the files of scratch before copying back") {
  if (std::system("command -v mke2fs >/dev/null") != 0) FAIL("mke2fs is missing (e2fsprogs)");
  Rig rig;
  rig.init_and_mount();
  // Scratch as the benchmark left it: an ext2 filesystem (too small for ext4's journal) with
  // one 20000-byte file; the whole volume written.
  std::filesystem::create_directories(rig.dir / "tree");
  std::ofstream(rig.dir / "tree" / "f.bin") << std::string(20000, 'f');
  REQUIRE(std::system(("mke2fs -q -F -t ext2 -b 1024 -d '" + (rig.dir / "tree").string() + "' '" +
                       rig.scratch + "' >/dev/null 2>&1")
                          .c_str()) == 0);
  recover_mapping_files(rig, {{0, Rig::kSize / 4096}});
  CHECK(rig.err.str().empty());
  const auto h = history_dir_for(rig.options().state_path);
  const auto run = find_run(h, "last");
  REQUIRE(run);
  const auto map = load_run_files(h, run->id);
  REQUIRE(map);
  CHECK((*map)["written_bytes"] == Rig::kSize);
  REQUIRE((*map)["files"].size() == 1);
  CHECK((*map)["files"][0]["path"] == "/f.bin");
  CHECK((*map)["files"][0]["bytes"] == 20 * 1024);
  // written --run last --files reads it back (scratch itself is virgin's pattern again).
  auto w = rig.context();
  WrittenOptions wo;
  wo.run = "last";
  wo.files = true;
  wo.json = true;
  cmd_written(w, wo);
  CHECK(nlohmann::json::parse(w.report().fields["files"].dump()) == (*map)["files"]);
  CHECK(w.report().fields["unattributed_bytes"] == (*map)["unattributed_bytes"]);
  CHECK(w.report().fields["files_source"] == "libext2fs");
}

TEST_CASE(
    "recover --map-files of another filesystem records a note; without a map, --files "
    "says how to get one") {
  Rig rig;
  rig.init_and_mount();
  recover_mapping_files(rig, {{2, 4}});
  const auto h = history_dir_for(rig.options().state_path);
  const auto map = load_run_files(h, find_run(h, "last")->id);
  REQUIRE(map);
  CHECK((*map)["files"].empty());
  CHECK((*map)["unattributed_bytes"] == 2 * 4096);
  CHECK((*map)["notes"][0].get<std::string>().find("not an ext2/3/4 filesystem") == 0);
  // A run without --map-files.
  Rig other;
  other.init_and_mount();
  auto plain = other.context();
  plain.report().command = "recover";
  cmd_recover(plain, {});
  record_run(plain, unix_now_ms(), "schelk test");
  auto w = other.context();
  WrittenOptions wo;
  wo.files = true;
  CHECK_THROWS_WITH(cmd_written(w, wo), Catch::Contains("recorded no file map") &&
                                            Catch::Contains("recover --map-files"));
}
