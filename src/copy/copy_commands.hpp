// Entry points of `schelk copy` and `schelk verify`. Each takes its own argv (argv[0] is the
// command name), reports its own errors and returns the exit status.
#pragma once

namespace schelk {

int run_copy(int argc, char** argv);
int run_verify(int argc, char** argv);

}  // namespace schelk
