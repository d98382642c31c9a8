// schelk: one binary for the workflow, the block copier and the dm-era metadata tools.
// Invoked as era_invalidate/era_dump/era_check/era_restore it behaves as that tool.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "src/copy/copy_commands.hpp"
#include "src/era_tools/era_tools.hpp"
#include "src/workflow/cli.hpp"

namespace {

// The commands outside the workflow: dispatch by subcommand or argv[0], and the "Tools" list of
// the workflow's --help, from this one table.
struct Tool {
  std::string_view name;   // as a subcommand
  std::string_view alias;  // as argv[0]
  std::string_view summary;
  int (*run)(int, char**);
};

constexpr Tool kTools[] = {
    {"era-invalidate", "era_invalidate", "List blocks written since an era (as era_invalidate)",
     schelk::run_era_invalidate},
    {"era-dump", "era_dump", "Dump dm-era metadata as XML (as era_dump)", schelk::run_era_dump},
    {"era-check", "era_check", "Check dm-era metadata (as era_check)", schelk::run_era_check},
    {"era-restore", "era_restore", "Write dm-era metadata from XML (as era_restore)",
     schelk::run_era_restore},
    {"copy", "", "Copy extents between block devices (io_uring)", schelk::run_copy},
    {"verify", "", "Compare two block devices", schelk::run_verify},
};

std::vector<schelk::ToolSummary> tool_summaries() {
  std::vector<schelk::ToolSummary> list;
  for (const auto& tool : kTools) list.push_back({tool.name, tool.summary});
  return list;
}

std::string_view basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int dispatch(int argc, char** argv) {
  const std::string_view self = argc > 0 ? basename_of(argv[0]) : "schelk";
  for (const auto& tool : kTools) {
    if (!tool.alias.empty() && self == tool.alias) return tool.run(argc, argv);
  }
  if (argc >= 2) {
    for (const auto& tool : kTools) {
      if (argv[1] == tool.name) return tool.run(argc - 1, argv + 1);
    }
  }
  // Everything else is the workflow CLI, whose global flags may stand before the subcommand.
  return schelk::run_workflow_cli(std::vector<std::string>(argv, argv + argc), tool_summaries());
}

// A result that never reached stdout (a full disk, a closed pipe with SIGPIPE ignored) must not
// look like success to a script; the message goes to stderr. Returns false when writing failed.
bool stdout_written() {
  // std::cout shares stdout's buffer: the first failing flush (either) sets errno.
  errno = 0;
  std::cout.flush();
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && !std::ferror(stdout) && !std::cout.fail()) return true;
  std::fprintf(stderr, "Error: cannot write to standard output%s%s; the output is incomplete.\n",
               error ? ": " : "", error ? std::strerror(error) : "");
  return false;
}

int run(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int status = run(argc, argv);
  if (!stdout_written()) return status != 0 ? status : 1;
  return status;
}
