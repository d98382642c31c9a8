// Entry points of every tool in the schelk binary. Each takes the tool's own argv (argv[0] is
// the tool name) and returns the process exit status. Errors are reported by the tool itself.
#pragma once

namespace schelk {

// thin-provisioning-tools compatible era tools (also reached through argv[0] symlinks).
int run_era_invalidate(int argc, char** argv);
int run_era_dump(int argc, char** argv);
int run_era_check(int argc, char** argv);
int run_era_restore(int argc, char** argv);

// Block copy and compare.
int run_copy(int argc, char** argv);
int run_verify(int argc, char** argv);

// The schelk workflow CLI (init-new, mount, recover, ..., status). Receives the whole argv,
// because its global flags may stand before or after the subcommand.
int run_workflow(int argc, char** argv);

}  // namespace schelk
