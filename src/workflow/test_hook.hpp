// Crash-test stop points: when $SCHELK_TEST_STOP_AT names a point, schelk stops itself
// (SIGSTOP) there so a test can kill -9 it at exactly that phase. No effect otherwise.
#pragma once

namespace schelk {

void test_stop_point(const char* name);
bool test_stop_requested(const char* name);

}  // namespace schelk
