#include "base/format.hpp"

#include <catch2/catch.hpp>

TEST_CASE("format_bytes uses IEC units with two decimals", "[base][format]") {
  CHECK(base::format_bytes(0) == "0 B");
  CHECK(base::format_bytes(1023) == "1023 B");
  CHECK(base::format_bytes(1024) == "1.00 KiB");
  CHECK(base::format_bytes(1536) == "1.50 KiB");
  CHECK(base::format_bytes(std::uint64_t{3} << 30) == "3.00 GiB");
  CHECK(base::format_bytes(std::uint64_t{17} << 40) == "17.00 TiB");
  CHECK(base::format_bytes(std::uint64_t{1} << 60) == "1024.00 PiB");
}

TEST_CASE("format_mib and format_rate", "[base][format]") {
  CHECK(base::format_mib(std::uint64_t{5} << 19, 1) == "2.5 MiB");
  CHECK(base::format_mib(1048576, 2) == "1.00 MiB");
  // The one rate unit is MiB/s: 2^20 bytes per second is 1.0, 10^6 is not.
  CHECK(base::format_rate(std::uint64_t{4} << 20, 2.0) == "2.0 MiB/s");
  CHECK(base::format_rate(3'000'000, 1.0) == "2.9 MiB/s");
  CHECK(base::format_rate(5, 0.0) == "0.0 MiB/s");
  CHECK(base::mib_per_second(std::uint64_t{3} << 20, 1.5) == 2.0);
}

TEST_CASE("format_duration as the original schelk's report", "[base][format]") {
  CHECK(base::format_duration(0.25) == "250ms");
  CHECK(base::format_duration(0.01) == "10ms");
  // Below 10 ms one decimal, so a fast step is not "0ms".
  CHECK(base::format_duration(0.0004) == "0.4ms");
  CHECK(base::format_duration(0.0093) == "9.3ms");
  CHECK(base::format_duration(0) == "0.0ms");
  CHECK(base::format_duration(2.5) == "2.50s");
  CHECK(base::format_duration(62.5) == "1m 2.50s");
}

TEST_CASE("format_transfer: size, duration and rate of one phase", "[base][format]") {
  CHECK(base::format_transfer(std::uint64_t{64} << 20, 1.25) == "64.00 MiB in 1.25s (51.2 MiB/s)");
  CHECK(base::format_transfer(0, 0) == "0 B in 0.0ms (0.0 MiB/s)");
}

TEST_CASE("format_clock rounds to the second", "[base][format]") {
  CHECK(base::format_clock(0.4) == "0:00");
  CHECK(base::format_clock(59.6) == "1:00");
  CHECK(base::format_clock(3725) == "1:02:05");
  CHECK(base::format_clock(-1) == "?");
}
