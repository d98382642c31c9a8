// SIGSTOP at a named phase for the kill -9 VM stories.
#include "src/workflow/test_hook.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace schelk {

bool test_stop_requested(const char* name) {
  const char* at = std::getenv("SCHELK_TEST_STOP_AT");
  return at && std::strcmp(at, name) == 0;
}

void test_stop_point(const char* name) {
  if (!test_stop_requested(name)) return;
  std::fprintf(stderr, "schelk: stopped at test point %s (pid %d)\n", name, ::getpid());
  std::fflush(stderr);
  ::raise(SIGSTOP);
}

}  // namespace schelk
