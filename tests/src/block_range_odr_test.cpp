// The journal's schelk::BlockRange and the block list's schelk::ListedRange are distinct types:
// one translation unit can include both headers (it could not when both were named BlockRange).
#include <catch2/catch.hpp>
#include <type_traits>

#include "src/copy/block_list.hpp"
#include "src/state/journal.hpp"

TEST_CASE("block ranges: the journal and block list headers compile together") {
  STATIC_REQUIRE_FALSE(std::is_same_v<schelk::BlockRange, schelk::ListedRange>);
  const schelk::BlockRange journal{1, 2};
  const schelk::ListedRange listed{1, 2};
  CHECK(journal.end - journal.begin == listed.end - listed.begin);
}
