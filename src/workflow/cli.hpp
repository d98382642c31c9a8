// The schelk workflow command line (Boost.Program_options): subcommands, their flags and the
// global flags (-y, --state-path/$SCHELK_STATE, --lock-timeout, --progress/$SCHELK_PROGRESS, -V),
// before or after the subcommand. Parsing is separate from running so it can be unit-tested.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/workflow/overhead.hpp"
#include "src/workflow/receive.hpp"
#include "src/workflow/send.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

struct ParsedCommand {
  std::string command = "status";  // the default
  bool help = false;
  bool command_given = false;  // a command word was given (help then shows that command's help)
  bool version = false;
  bool yes = false;
  std::optional<std::string> state_path;
  double lock_timeout = 0;
  std::optional<std::string> progress;  // --progress, checked (auto, always, never)
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
  OverheadOptions overhead;
  SendOptions send;
  ReceiveOptions receive;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ToolSummary;

// argv as given to the program (argv[0] = program name). `tools` are offered as "did you mean"
// for an unknown command. Throws UsageError.
ParsedCommand parse_workflow_args(const std::vector<std::string>& args,
                                  std::span<const ToolSummary> tools = {});

// One exit status (or a few sharing a meaning, "130, 143") of a command.
struct ExitDoc {
  std::string_view codes;
  std::string_view meaning;
};

// A command of the same binary outside the workflow (era tools, copy, verify): main.cpp's
// dispatch table, listed by the workflow's help, the man page and the completions so they cannot
// drift apart. `options` are its long options, space-separated, for completion; `device_options`
// those that take a device.
struct ToolSummary {
  std::string_view name;
  std::string_view summary;
  std::string_view synopsis = {};
  std::string_view options = {};
  std::string_view device_options = {};
  std::span<const ExitDoc> exits = {};
  std::string_view notes = {};  // what the tool adds to its help under schelk's name
};

// An option of the workflow commands as help, the man page and completion show it.
struct OptionDoc {
  std::string_view name;   // long name without "--"
  char short_name = 0;     // 0: none
  std::string_view value;  // value name ("DEVICE"); empty for a flag
  std::string_view help;
  bool device = false;  // its value is a block device (completion offers /dev/*)
  bool path = false;    // its value is a file or directory path
};

// A workflow command as help, the man page and completion show it (the rows of the table that
// also drives parsing and dispatch).
struct CommandDoc {
  std::string_view name;
  std::string_view summary;
  std::vector<std::string_view> options;   // long names, in the order of command_option_docs()
  std::vector<std::string_view> required;  // long names
  std::string_view destroys;
  std::vector<std::string_view> examples;
  std::vector<ExitDoc> exits;
  std::string_view operand;  // a positional argument after the command ("LABEL"), or empty
};

[[nodiscard]] std::vector<CommandDoc> command_docs();
[[nodiscard]] std::span<const OptionDoc> global_option_docs();
[[nodiscard]] std::span<const OptionDoc> command_option_docs();

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
