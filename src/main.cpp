// schelk: one binary for the workflow, the block copier and the dm-era metadata tools.
// Invoked as era_invalidate/era_dump/era_check/era_restore it behaves as that tool.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/copy/copy_commands.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "src/era_tools/era_tools.hpp"
#include "src/workflow/cli.hpp"

namespace {

// The commands outside the workflow: dispatch by subcommand or argv[0], and their entries in the
// workflow's help, the man page and the completions, from this one table.
struct Tool {
  std::string_view name;   // as a subcommand
  std::string_view alias;  // as argv[0]
  std::string_view summary;
  int (*run)(int, char**);
  std::string_view synopsis;
  std::string_view options;         // long options, for completion
  std::string_view device_options;  // those of them that take a device
  std::span<const schelk::ExitDoc> exits;
  std::string_view notes = {};  // added to the tool's help under `schelk TOOL` (not era_*)
};

// The era tools exit as thin-provisioning-tools 0.9 does: 1 also for a command-line error.
constexpr schelk::ExitDoc kEraExits[] = {
    {"0", "success"}, {"1", "error, also a command-line error (as thin-provisioning-tools 0.9)"}};
constexpr schelk::ExitDoc kEraCheckExits[] = {
    {"0", "the metadata is sound (warnings, such as a space-map leak, are printed)"},
    {"1", "damaged metadata, an error, or a command-line error"}};
constexpr schelk::ExitDoc kCopyExits[] = {{"0", "copied (and equal with --verify)"},
                                          {"1", "error"},
                                          {"2", "usage error"},
                                          {"3", "--verify found differences"}};
constexpr schelk::ExitDoc kVerifyExits[] = {
    {"0", "equal"}, {"1", "error"}, {"2", "usage error"}, {"3", "the devices differ"}};

constexpr std::string_view kCopierOptions =
    "--blocks --block-size --metadata --threads --queue-depth --io-size --engine --json";

constexpr Tool kTools[] = {
    {"era-invalidate", "era_invalidate", "List blocks written since an era (as era_invalidate)",
     schelk::run_era_invalidate,
     "schelk era-invalidate [-o FILE] [--metadata-snapshot] [--include-current-writeset]\n"
     "                      [--trust-kernel-order] --written-since ERA DEVICE|FILE",
     "--written-since --output --metadata-snapshot --include-current-writeset "
     "--trust-kernel-order",
     "", kEraExits,
     "\nAdded by schelk (era_invalidate 0.9 lacks them):\n"
     "  --include-current-writeset  also count the current era's writeset (offline metadata\n"
     "                              after a crash)\n"
     "  --trust-kernel-order        skip the era array when the lowest archived era is at most\n"
     "                              the one asked (~6x faster on large volumes); right only for\n"
     "                              metadata the kernel wrote, WRONG for metadata restored from\n"
     "                              edited XML\n"
     "  --metadata-snapshot reads the held metadata snapshot (0.9 reads the live superblock).\n"},
    {"era-dump", "era_dump", "Dump dm-era metadata as XML (as era_dump)", schelk::run_era_dump,
     "schelk era-dump [-o FILE] [--repair] [--logical] [--include-current-writeset] DEVICE|FILE",
     "--output --repair --logical --include-current-writeset", "", kEraExits,
     "\nAdded by schelk (era_dump 0.9 lacks it):\n"
     "  --include-current-writeset  also show the current era's writeset\n"
     "--logical reports the latest era of a block (0.9 the lowest).\n"},
    {"era-check", "era_check", "Check dm-era metadata (as era_check)", schelk::run_era_check,
     "schelk era-check [-q] [--super-block-only] DEVICE|FILE", "--quiet --super-block-only", "",
     kEraCheckExits,
     "\nUnlike 0.9: a space-map reference count below the references found (two eras sharing a\n"
     "bitset) is an error; a count above them (a leak) stays a warning.\n"},
    {"era-restore", "era_restore", "Write dm-era metadata from XML (as era_restore)",
     schelk::run_era_restore, "schelk era-restore -i XML_FILE -o DEVICE|FILE [-q]",
     "--input --output --quiet", "", kEraExits},  // adds nothing to 0.9: its help is 0.9's
    {"copy", "", "Copy extents between block devices (io_uring)", schelk::run_copy,
     "schelk copy --from SRC --to DST [--blocks FILE|-] [--block-size BYTES] [--metadata PATH]\n"
     "            [--verify] [--threads N] [--queue-depth N] [--io-size BYTES]\n"
     "            [--engine auto|io_uring|sync] [--json] [--progress auto|always|never] [-y]",
     "--from --to --verify --yes -y --blocks --block-size --metadata --threads --queue-depth "
     "--io-size --engine --json --progress",
     "--from --to", kCopyExits},
    {"verify", "", "Compare two block devices", schelk::run_verify,
     "schelk verify --a X --b Y [--blocks FILE|-] [--block-size BYTES] [--metadata PATH]\n"
     "              [--threads N] [--queue-depth N] [--io-size BYTES] [--engine ...] [--json]\n"
     "              [--progress auto|always|never]",
     "--a --b --blocks --block-size --metadata --threads --queue-depth --io-size --engine --json "
     "--progress",
     "--a --b", kVerifyExits},
};

std::vector<schelk::ToolSummary> tool_summaries() {
  std::vector<schelk::ToolSummary> list;
  for (const auto& tool : kTools) {
    list.push_back({tool.name, tool.summary, tool.synopsis, tool.options, tool.device_options,
                    tool.exits, tool.notes});
  }
  return list;
}

const Tool* find_tool(std::string_view name) {
  for (const auto& tool : kTools) {
    if (name == tool.name) return &tool;
  }
  return nullptr;
}

// What `schelk TOOL --help` adds to the tool's own help: its notes, then its exit statuses (under
// the era_* names the help is 0.9's alone).
void print_notes(const Tool& tool) {
  if (tool.notes.empty()) return;  // copy and verify say it all in their own help
  std::string text(tool.notes);
  text += "Exit status:\n";
  for (const auto& e : tool.exits) {
    text += "  " + std::string(e.codes) + "  " + std::string(e.meaning) + "\n";
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// `schelk TOOL ... -h`: the first of -h and -V is -h.
bool asks_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return true;
    if (a == "-V" || a == "--version") return false;
  }
  return false;
}

// `schelk TOOL ... -V`: schelk's version (the tool's own -V, under the era_* names, prints the
// thin-provisioning-tools version that scripts compare).
bool asks_version(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-V" || a == "--version") return true;
    if (a == "-h" || a == "--help") return false;  // the first of them is answered
  }
  return false;
}

std::string_view basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int dispatch(int argc, char** argv) {
  const std::string_view self = argc > 0 ? basename_of(argv[0]) : "schelk";
  for (const auto& tool : kTools) {
    if (!tool.alias.empty() && self == tool.alias) {
      schelk::era_tools::use_thin_provisioning_tools_usage(true);
      return tool.run(argc, argv);
    }
  }
  if (argc >= 2) {
    if (const auto* tool = find_tool(argv[1])) {
      if (asks_version(argc - 1, argv + 1)) {
        std::printf("%s\n", schelk::version_string().c_str());
        return 0;
      }
      const int status = tool->run(argc - 1, argv + 1);
      if (asks_help(argc - 1, argv + 1)) print_notes(*tool);
      return status;
    }
  }
  // `schelk help TOOL` is the tool's own --help.
  if (argc == 3 && std::string_view(argv[1]) == "help") {
    if (const auto* tool = find_tool(argv[2])) {
      std::string name(tool->name);
      std::string help = "--help";
      char* args[] = {name.data(), help.data(), nullptr};
      const int status = tool->run(2, args);
      print_notes(*tool);
      return status;
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
