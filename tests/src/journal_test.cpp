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

TEST_CASE("a number beyond 2^64-1 is a corrupted journal, named as such (D12b)") {
  std::string text = journal_to_text(sample());
  text.replace(text.find("granularity 4096"), 16, "granularity 99999999999999999999");
  REQUIRE_THROWS_MATCHES(
      journal_from_text(text), StateError,
      Catch::Message("Recovery journal is corrupted: bad number '99999999999999999999' on line 4"));
  std::string max = journal_to_text(sample());
  max.replace(max.find("era 1"), 5, "era 18446744073709551615");
  REQUIRE(journal_from_text(max).era == 18446744073709551615ull);
}

TEST_CASE("the journal text is pinned byte for byte") {
  REQUIRE(journal_to_text(sample()) ==
          "schelk-written-set 1\noperation recover\ndm_era_name bench_era\ngranularity 4096\n"
          "nr_blocks 8192\nera 1\nranges 3\n0 1\n5 9\n8000 8192\nend\n");
}
