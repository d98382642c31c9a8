// The schelk workflow command line (Boost.Program_options): subcommands, their flags and the
// global flags (-y, --state-path/$SCHELK_STATE, --lock-timeout, -V), before or after the
// subcommand. Parsing is separate from running so it can be unit-tested.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/workflow/workflow.hpp"

namespace schelk {

struct ParsedCommand {
  std::string command = "status";  // the default
  bool help = false;
  bool version = false;
  bool yes = false;
  std::optional<std::string> state_path;
  double lock_timeout = 0;
  InitOptions init;
  RecoverOptions recover;
  bool json = false;   // every workflow command
  bool check = false;  // status only
  bool verify = false;
  bool force = false;    // full-recover only
  bool dry_run = false;  // repair only
  std::string label;     // mark only
  HistoryOptions history;
  WrittenOptions written;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// argv as given to the program (argv[0] = program name). Throws UsageError.
ParsedCommand parse_workflow_args(const std::vector<std::string>& args);

// A command of the same binary outside the workflow (era tools, copy, verify): main.cpp's
// dispatch table, listed by the workflow's help so the two cannot drift apart.
struct ToolSummary {
  std::string_view name;
  std::string_view summary;
};

std::string workflow_usage(std::span<const ToolSummary> tools = {});
std::string command_usage(const std::string& command);
std::string version_string();

// Runs a parsed workflow command on `services`. The human text goes to `out`, or to `err`
// under --json, where `out` gets exactly one JSON object (the Report; an error is an object with
// "outcome": "error" too). An error is also printed as "Error: <message>" on `err`. Returns the
// exit status: 0, 1 on error, or the command's own (status --check: 3, 4, 5).
int run_command(const ParsedCommand& p, Services services, const GlobalOptions& options,
                std::istream& in, std::ostream& out, std::ostream& err);

// Parses and runs; returns the exit status (2 for usage errors). `tools` are listed by --help.
int run_workflow_cli(const std::vector<std::string>& args, std::span<const ToolSummary> tools);

}  // namespace schelk
