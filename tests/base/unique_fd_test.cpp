#include "base/unique_fd.hpp"

#include <fcntl.h>

#include <catch2/catch.hpp>

#include "base/scope_exit.hpp"
#include "base/strings.hpp"

namespace {
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }
}  // namespace

TEST_CASE("UniqueFd closes once, moves, and releases", "[base][fd]") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    base::UniqueFd a(raw);
    base::UniqueFd b(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(b.get() == raw);
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));

  raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int kept = -1;
  {
    base::UniqueFd c(raw);
    kept = c.release();
  }
  CHECK(kept == raw);
  CHECK(is_open(raw));
  ::close(raw);
}

TEST_CASE("ScopeExit runs unless dismissed", "[base][scope]") {
  int runs = 0;
  {
    base::ScopeExit guard([&]() noexcept { ++runs; });
  }
  CHECK(runs == 1);
  {
    base::ScopeExit guard([&]() noexcept { ++runs; });
    guard.dismiss();
  }
  CHECK(runs == 1);
}

TEST_CASE("trim removes blanks at both ends", "[base][strings]") {
  CHECK(base::trim("  a b\n") == "a b");
  CHECK(base::trim("\t\r\n ").empty());
  CHECK(base::trim("x") == "x");
}
