// Test prerequisites, never a silent pass. What scripts/install-deps.sh installs (0.9 era tools,
// e2fsprogs, util-linux, binutils) must be present: a missing one FAILS the test. What a machine
// may legitimately lack (root, loop devices, io_uring, the fetched Rust 1.x tools) ends the test
// case with exit code 77, which ctest reports as "Skipped" (SKIP_RETURN_CODE 77 in
// tests/CMakeLists.txt; every TEST_CASE runs in its own process there).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace schelk::test {

[[noreturn]] inline void skip_test(const std::string& why) {
  std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
  std::fflush(nullptr);
  std::_Exit(77);
}

[[nodiscard]] inline bool have_command(const std::string& name) {
  return std::system(("command -v '" + name + "' >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace schelk::test
