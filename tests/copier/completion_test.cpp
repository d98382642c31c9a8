// The completion classifier: every result maps to exactly one action.
#include "copier/completion.hpp"

#include <catch2/catch.hpp>

using copier::classify_completion;
using copier::Outcome;

TEST_CASE("classify_completion") {
  REQUIRE(classify_completion(4096, 4096) == Outcome::kComplete);
  REQUIRE(classify_completion(512, 4096) == Outcome::kShort);
  REQUIRE(classify_completion(0, 4096) == Outcome::kEndOfDevice);
  REQUIRE(classify_completion(-EAGAIN, 4096) == Outcome::kRetry);
  REQUIRE(classify_completion(-EINTR, 4096) == Outcome::kRetry);
  REQUIRE(classify_completion(-EIO, 4096) == Outcome::kFailed);
  REQUIRE(classify_completion(-ENOSPC, 4096) == Outcome::kFailed);
  REQUIRE(classify_completion(8192, 4096) == Outcome::kFailed);
}
