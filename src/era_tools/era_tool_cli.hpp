// Command-line plumbing shared by the thin-provisioning-tools compatible era tools
// (era_invalidate, era_dump, era_check, era_restore): 0.9-style usage and error reporting,
// number parsing as 0.9 does it, input path checks and the -o output file.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.hpp"

namespace schelk::era_tools {

// Parses the argv of a tool with Boost.Program_options: the first positional argument is stored
// under "input". On a command-line error prints "<tool>: <what>" and the usage to stderr and
// returns false (the tool then exits 1, as 0.9 does).
bool parse_command_line(int argc, char** argv,
                        const boost::program_options::options_description& options,
                        std::string_view tool, std::string_view usage,
                        boost::program_options::variables_map& vm);

// Prints `usage` (the 0.9 usage text, ending in a newline, with schelk's added options) to
// `out`. Under the era_* names the added options' lines are left out, so that the text is 0.9's
// exactly; under `schelk era-*` they are shown.
void print_usage(std::FILE* out, std::string_view usage);

// Whether the tool runs under its thin-provisioning-tools name (main.cpp says so before it runs):
// print_usage then prints 0.9's text. Off by default.
void use_thin_provisioning_tools_usage(bool exact);

// What -V prints under the era_* names: the thin-provisioning-tools version whose behaviour the
// tools reproduce, as scripts compare it (`schelk era-dump -V` prints schelk's version instead:
// main.cpp answers it before the tool runs).
inline constexpr const char* kThinProvisioningToolsVersion = "0.9.0";
[[nodiscard]] std::string version_string();

// Answers -h (usage on stdout) and -V; returns the exit status when either was given.
[[nodiscard]] std::optional<int> answer_help_or_version(
    const boost::program_options::variables_map& vm, std::string_view usage);

// The positional input path; without one prints 0.9's "No input file provided." and the usage
// to stderr and returns nothing (the tool then exits 1).
[[nodiscard]] std::optional<std::string> input_path(const boost::program_options::variables_map& vm,
                                                    std::string_view usage);

// Parses an unsigned 32-bit number as 0.9's boost::lexical_cast<uint32_t> does: optional leading
// '+' or '-' (a '-' negates modulo 2^32, so "-1" is 4294967295), then decimal digits only, no
// spaces. Throws std::runtime_error("bad lexical cast: ...") otherwise.
[[nodiscard]] std::uint32_t parse_u32_like_0_9(const std::string& text);

// Checks that the input is a regular file or a block device, with 0.9 era_check's messages,
// which name the path: "<path>: No such file or directory" (the stat error, e.g. "Too many levels
// of symbolic links"), "<path>: Not a block device or regular file". (0.9 era_dump and
// era_invalidate said only "Couldn't stat path" / "bad path".) Throws std::runtime_error.
void check_input_path(const std::string& path);

// The same check for era_restore's XML input, which must be a regular file: the message
// ("<path>: No such file or directory", "<path>: Not a regular file"), or nothing when it is fine.
[[nodiscard]] std::optional<std::string> regular_file_problem(const std::string& path);

// Buffered output to stdout or to the file given with -o. Nothing is created before open().
class Output {
 public:
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  // Empty path: stdout. Throws std::system_error if the file cannot be created.
  void open(const std::string& path);
  void write(std::string_view s);
  void write_u64(std::uint64_t v);
  // Flushes and closes; throws std::system_error on a write error (disk full, EPIPE, ...).
  void close();

 private:
  void flush_buffer();
  std::string path_;
  int fd_ = -1;           // stdout or owned_
  base::UniqueFd owned_;  // the -o file
  std::string buf_;
};

// Runs a tool's body with the tools' common error ending: an exception's message on stderr
// (unless `quiet`) and exit status 1. Returns the body's exit status otherwise.
[[nodiscard]] int run_tool(const std::function<int()>& body);
[[nodiscard]] int run_tool(bool quiet, const std::function<int()>& body);

// Opens the output named by -o (stdout without it), lets `produce` write to it, and closes it so
// that write errors surface as exceptions.
void write_output(const boost::program_options::variables_map& vm,
                  const std::function<void(Output&)>& produce);

}  // namespace schelk::era_tools
