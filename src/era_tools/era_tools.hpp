// Entry points of the thin-provisioning-tools compatible era tools (also reached through the
// argv[0] symlinks era_invalidate, era_dump, era_check, era_restore). Each takes the tool's own
// argv (argv[0] is the tool name), reports its own errors and returns the exit status.
#pragma once

namespace schelk {

int run_era_invalidate(int argc, char** argv);
int run_era_dump(int argc, char** argv);
int run_era_check(int argc, char** argv);
int run_era_restore(int argc, char** argv);

}  // namespace schelk
