// The command-line options `schelk copy` and `schelk verify` share (block list, engine, threads,
// queue depth, I/O size, JSON), their parsing with help and usage errors, and their translation
// into copier options.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "copier/copy.hpp"
#include "src/copy/block_unit.hpp"
#include "src/ui/progress.hpp"

namespace schelk {

struct EngineArgs {
  std::string blocks, metadata, engine = "auto";
  std::uint64_t block_size = kDefaultBlockSize, io_size = 0;
  bool block_size_given = false;  // --block-size was on the command line (set by parsing)
  unsigned threads = 0, queue_depth = 0;
  bool json = false;
  std::string progress;  // --progress (empty: not given)
};

// --blocks, --block-size and --metadata.
void add_block_list_options(boost::program_options::options_description& desc, EngineArgs& a);

// What the parsed arguments say about the block list's unit (see list_block_size).
[[nodiscard]] BlockSizeSources block_size_sources(const EngineArgs& a);

// --threads, --queue-depth, --io-size, --engine, --json, --progress; the help of the two I/O
// options says what one I/O is for the command (a copy or a read).
void add_engine_options(boost::program_options::options_description& desc, EngineArgs& a,
                        const char* queue_depth_help, const char* io_size_help);

// Parses argv into the variables `desc` points at (and a.block_size_given), then checks
// --block-size and runs
// `more_checks` (whose exceptions are usage errors too). Returns the exit status when the command
// stops here: kExitOk after printing the help, kExitUsage after "<command>: <what>" and a pointer
// to --help on stderr; nothing when the command goes on.
[[nodiscard]] std::optional<int> parse_command_line(
    int argc, char** argv, const boost::program_options::options_description& desc,
    const std::string& command, EngineArgs& a, const std::function<void()>& more_checks = {});

// Prints "<command>: <what>" and the pointer to --help on stderr; returns kExitUsage.
int usage_error(const std::string& command, const std::string& what);

// The progress mode of --progress, else SCHELK_PROGRESS, else auto; throws
// std::invalid_argument for a bad value (a usage error).
[[nodiscard]] ui::ProgressMode progress_mode(const EngineArgs& a);

// Engine, threads, queue depth and I/O size for the copier; throws std::invalid_argument on an
// unknown engine.
[[nodiscard]] copier::CopyOptions copier_options(const EngineArgs& a);

}  // namespace schelk
