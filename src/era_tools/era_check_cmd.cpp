// era_check: verifies dm-era metadata (0.9 options and exit codes: 0 clean, 1 damaged). Goes
// further than 0.9: node cycles, array value sizes, snapshot superblock, space-map counts.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "era_metadata/check.hpp"
#include "era_metadata/metadata_source.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "src/era_tools/era_tools.hpp"

namespace po = boost::program_options;

namespace schelk {
namespace {

constexpr std::string_view kUsage =
    "Usage: era_check [options] {device|file}\n"
    "Options:\n"
    "  {-q|--quiet}\n"
    "  {-h|--help}\n"
    "  {-V|--version}\n"
    "  {--super-block-only}\n";

}  // namespace

int run_era_check(int argc, char** argv) {
  po::options_description options;
  options.add_options()("help,h", "")("version,V", "")("quiet,q", "")("super-block-only", "");
  po::variables_map vm;
  if (!era_tools::parse_command_line(argc, argv, options, "era_check", kUsage, vm)) return 1;
  if (auto rc = era_tools::answer_help_or_version(vm, kUsage)) return *rc;
  const auto input_arg = era_tools::input_path(vm, kUsage);
  if (!input_arg) return 1;
  const bool quiet = vm.count("quiet") > 0;
  return era_tools::run_tool(quiet, [&] {
    const std::string& input = *input_arg;
    era_tools::check_input_path(input);
    auto source = era_metadata::FileMetadataSource::open(input, era_metadata::OpenMode::kExclusive);
    if (!quiet) std::fprintf(stderr, "examining superblock\n");
    if (source.size_in_blocks() == 0) {
      if (!quiet)
        std::fprintf(stderr, "Metadata device/file too small.  Is this binary metadata?\n");
      return 1;
    }
    if (!quiet && source.size_bytes() % 4096 != 0) {
      std::fprintf(stderr,
                   "warning: metadata size %llu is not a multiple of 4096; the tail is ignored\n",
                   static_cast<unsigned long long>(source.size_bytes()));
    }
    era_metadata::CheckOptions opts;
    opts.superblock_only = vm.count("super-block-only") > 0;
    const era_metadata::Findings report = era_metadata::check_metadata(source, opts);
    if (!quiet) {
      for (const auto& line : report.to_strings()) std::fprintf(stderr, "%s\n", line.c_str());
    }
    return report.ok() ? 0 : 1;
  });
}

}  // namespace schelk
