// WrittenBytes (the byte intersection both attributions use) and the attribution's JSON and
// text, against hand-computed models.
#include "src/forensics/file_attribution.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "base/format.hpp"
#include "src/forensics/written_bytes.hpp"

namespace schelk {
namespace {

TEST_CASE("WrittenBytes answers exact overlaps in any order", "[written_bytes]") {
  const WrittenBytes w({{1, 3}, {3, 4}, {10, 12}}, 1000, 11500);  // 1000..4000, 10000..11500
  CHECK(w.total() == 3000 + 1500);
  CHECK(w.overlap(0, 1000) == 0);
  CHECK(w.overlap(500, 1500) == 500);
  CHECK(w.overlap(0, 20000) == 4500);
  CHECK(w.overlap(3999, 10001) == 2);
  CHECK(w.overlap(11000, 12000) == 500);  // clipped at the limit
  CHECK(w.overlap(1500, 1500) == 0);
  CHECK(w.overlap(2000, 2001) == 1);  // backwards after a call further on
  CHECK(WrittenBytes({}, 4096, 1 << 20).overlap(0, 1 << 20) == 0);
}

TEST_CASE("WrittenBytes matches a per-byte model", "[written_bytes]") {
  std::mt19937 rng(3);
  std::vector<BlockRange> ranges;
  std::vector<bool> model(4000, false);
  for (uint64_t b = 0; b < 400;) {
    const uint64_t gap = rng() % 5, len = 1 + rng() % 4;
    b += gap;
    if (b + len > 400) break;
    ranges.push_back({b, b + len});
    for (uint64_t i = b * 10; i < (b + len) * 10; ++i) model[i] = true;
    b += len;
  }
  const WrittenBytes w(ranges, 10, 4000);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t a = rng() % 4000, n = rng() % 300;
    const uint64_t e = std::min<uint64_t>(4000, a + n);
    uint64_t expect = 0;
    for (uint64_t x = a; x < e; ++x) expect += model[x];
    INFO(a << ".." << e);
    REQUIRE(w.overlap(a, e) == expect);
  }
}

FileAttribution sample() {
  FileAttribution a;
  a.source = "libext2fs";
  a.written_bytes = 100000;
  a.files = {{"/small", 14, 100}, {"/big", 12, 50000}, {std::nullopt, 99, 300}};
  a.metadata = empty_metadata();
  add_metadata(a.metadata, "journal", 8192);
  a.notes = {"a note"};
  finish_attribution(a);
  return a;
}

TEST_CASE("finish sorts by bytes and computes unattributed", "[attribution]") {
  const auto a = sample();
  CHECK(a.files[0].path == "/big");
  CHECK(a.files[2].path == "/small");
  CHECK(a.unattributed_bytes == 100000 - 50400 - 8192);
}

TEST_CASE("keep_top_files keeps totals", "[attribution]") {
  auto a = sample();
  keep_top_files(a, 1);
  CHECK(a.files.size() == 1);
  CHECK(a.omitted_files == 2);
  CHECK(a.omitted_bytes == 400);
  finish_attribution(a);
  CHECK(a.unattributed_bytes == 100000 - 50400 - 8192);
}

TEST_CASE("the JSON has the documented fields and reads back", "[attribution]") {
  auto a = sample();
  keep_top_files(a, 2);
  const auto j = attribution_to_json(a);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"source", "written_bytes", "files", "files_omitted",
                                         "metadata", "unattributed_bytes", "notes"});
  CHECK(j["files"][0] == nlohmann::ordered_json{{"path", "/big"}, {"inode", 12}, {"bytes", 50000}});
  CHECK(j["files"][1]["path"].is_null());
  CHECK(j["metadata"].size() == metadata_kinds().size());
  CHECK(j["metadata"][5] == nlohmann::ordered_json{{"kind", "journal"}, {"bytes", 8192}});
  const auto back = attribution_from_json(nlohmann::json::parse(j.dump()));
  CHECK(attribution_to_json(back) == j);
}

TEST_CASE("the text lists top files, metadata with bytes, unattributed", "[attribution]") {
  const auto text = attribution_to_text(sample(), 2);
  using base::format_bytes;  // its units are base/format's to pin
  CHECK(text == "Files: 3 written, " + format_bytes(50400) + "\n  " + format_bytes(50000) +
                    "  /big\n  " + format_bytes(300) +
                    "  (inode 99, no name)\n"
                    "  ... 1 more (--json lists all)\n"
                    "Metadata: journal " +
                    format_bytes(8192) + "\nUnattributed (free now): " +
                    format_bytes(100000 - 50400 - 8192) + "\nNote: a note\n");
}

}  // namespace
}  // namespace schelk
