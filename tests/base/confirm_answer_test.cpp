#include "base/confirm_answer.hpp"

#include <catch2/catch.hpp>

TEST_CASE("is_yes: y or yes in any case, blanks around ignored", "[base][confirm]") {
  for (const char* yes : {"y", "Y", "yes", "YES", "Yes", " y", "y\n", "\tyes \r\n"}) {
    INFO(yes);
    CHECK(base::is_yes(yes));
  }
  for (const char* no : {"", " ", "n", "no", "N", "ye", "yess", "yes please", "y y", "oui", "1"}) {
    INFO(no);
    CHECK_FALSE(base::is_yes(no));
  }
}
