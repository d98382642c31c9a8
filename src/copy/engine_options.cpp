// Shared options of copy and verify; see engine_options.hpp.
#include "src/copy/engine_options.hpp"

#include <cstdio>
#include <iostream>

#include "src/copy/cli_support.hpp"

namespace po = boost::program_options;

namespace schelk {

void add_block_list_options(po::options_description& desc, EngineArgs& a) {
  // clang-format off
  desc.add_options()
      ("blocks", po::value(&a.blocks), "block list FILE, or - for stdin")
      ("block-size", po::value(&a.block_size)->default_value(kDefaultBlockSize),
       "bytes per block in FILE (required for era_invalidate XML unless --metadata)")
      ("metadata", po::value(&a.metadata),
       "dm-era metadata device or image: the block size is its data block size");
  // clang-format on
}

BlockSizeSources block_size_sources(const EngineArgs& a) {
  BlockSizeSources sources;
  if (a.block_size_given) sources.given = a.block_size;
  sources.metadata = a.metadata;
  return sources;
}

void add_engine_options(po::options_description& desc, EngineArgs& a, const char* queue_depth_help,
                        const char* io_size_help) {
  // clang-format off
  desc.add_options()
      ("threads", po::value(&a.threads)->default_value(0), "worker threads (0: default)")
      ("queue-depth", po::value(&a.queue_depth)->default_value(0), queue_depth_help)
      ("io-size", po::value(&a.io_size)->default_value(0), io_size_help)
      ("engine", po::value(&a.engine)->default_value("auto"), "auto, io_uring or sync")
      ("json", po::bool_switch(&a.json), "print one JSON summary on stdout")
      ("progress", po::value(&a.progress)->value_name("WHEN"),
       "auto, always or never: progress on stderr, as plain lines when it is not a terminal "
       "(default: env SCHELK_PROGRESS, else auto)");
  // clang-format on
}

std::optional<int> parse_command_line(int argc, char** argv, const po::options_description& desc,
                                      const std::string& command, EngineArgs& a,
                                      const std::function<void()>& more_checks) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return kExitOk;
    }
    po::notify(vm);
    a.block_size_given = vm.count("block-size") != 0 && !vm["block-size"].defaulted();
    check_block_size(a.block_size);
    check_threads(a.threads);
    if (more_checks) more_checks();
  } catch (const std::exception& e) {
    return usage_error(command, e.what());
  }
  return std::nullopt;
}

int usage_error(const std::string& command, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n(see schelk %s --help)\n", command.c_str(), what.c_str(),
               command.c_str());
  return kExitUsage;
}

ui::ProgressMode progress_mode(const EngineArgs& a) {
  return ui::resolve_progress_mode(a.progress.empty() ? std::nullopt
                                                      : std::optional<std::string>(a.progress));
}

copier::CopyOptions copier_options(const EngineArgs& a) {
  copier::CopyOptions options;
  options.engine = parse_engine(a.engine);
  options.threads = a.threads;
  options.queue_depth = a.queue_depth;
  options.max_io_bytes = a.io_size;
  options.mismatch_granule = a.block_size;  // report differences in the user's blocks
  return options;
}

}  // namespace schelk
