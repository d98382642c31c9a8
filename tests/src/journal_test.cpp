#include "src/state/journal.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "src/state/state.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;

namespace {
Journal sample() {
  Journal j;
  j.operation = "recover";
  j.dm_era_name = "bench_era";
  j.granularity = 4096;
  j.nr_blocks = 8192;
  j.era = 1;
  j.ranges = {{0, 1}, {5, 9}, {8000, 8192}};
  return j;
}
}  // namespace

TEST_CASE("journal round trips through its file next to the state") {
  test::TempDir dir;
  const auto state = dir / "state.json";
  CHECK(!load_journal(state));
  save_journal(state, sample());
  CHECK(std::filesystem::exists(dir / "state.json.written"));
  CHECK(!std::filesystem::exists(dir / "state.json.written.tmp"));
  CHECK(*load_journal(state) == sample());
  remove_journal(state);
  CHECK(!load_journal(state));
  CHECK_NOTHROW(remove_journal(state));  // idempotent
}

TEST_CASE("an empty written set round trips") {
  Journal j = sample();
  j.ranges.clear();
  CHECK(journal_from_text(journal_to_text(j)) == j);
}

TEST_CASE("truncated or inconsistent journals are refused") {
  const std::string good = journal_to_text(sample());
  // Every proper prefix that cuts a line off must fail (the end marker guards truncation).
  for (size_t cut = 0; cut + 1 < good.size(); cut += 7) {
    CHECK_THROWS_AS(journal_from_text(good.substr(0, cut)), StateError);
  }
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK_THROWS_AS(journal_from_text(replace("5 9", "9 5")), StateError);              // empty range
  CHECK_THROWS_AS(journal_from_text(replace("5 9", "0 9")), StateError);              // overlap
  CHECK_THROWS_AS(journal_from_text(replace("8000 8192", "8000 8193")), StateError);  // bounds
  CHECK_THROWS_AS(journal_from_text(replace("recover", "dance")), StateError);
  CHECK_THROWS_AS(journal_from_text(replace("ranges 3", "ranges 4")), StateError);
  CHECK_THROWS_AS(journal_from_text(replace("era 1", "era x1")), StateError);
}
