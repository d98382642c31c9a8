// era_dump: the whole dm-era metadata as 0.9's XML (byte-identical where 0.9 is right).
// --logical takes the latest era of each block (0.9 took the lowest writeset era: a bug).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "era_metadata/era_content.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/metadata_source.hpp"
#include "src/era_tools/era_dump_xml.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "src/era_tools/era_tools.hpp"

namespace po = boost::program_options;

namespace schelk {
namespace {

constexpr std::string_view kUsage =
    "Usage: era_dump [options] {device|file}\n"
    "Options:\n"
    "  {-h|--help}\n"
    "  {-o <xml file>}\n"
    "  {-V|--version}\n"
    "  {--repair}\n"
    "  {--logical}\n"
    "  {--include-current-writeset}\n";

}  // namespace

int run_era_dump(int argc, char** argv) {
  po::options_description options;
  options.add_options()("help,h", "")("version,V", "")("output,o", po::value<std::string>(), "")(
      "repair", "")("logical", "")("include-current-writeset", "");
  po::variables_map vm;
  if (!era_tools::parse_command_line(argc, argv, options, "era_dump", kUsage, vm)) return 1;
  if (auto rc = era_tools::answer_help_or_version(vm, kUsage)) return *rc;
  const auto input_arg = era_tools::input_path(vm, kUsage);
  if (!input_arg) return 1;
  return era_tools::run_tool([&] {
    const std::string& input = *input_arg;
    era_tools::check_input_path(input);
    auto source = era_metadata::FileMetadataSource::open(input, era_metadata::OpenMode::kExclusive);
    era_metadata::EraContentOptions opts;
    opts.repair = vm.count("repair") > 0;
    opts.include_current_writeset = vm.count("include-current-writeset") > 0;
    era_metadata::EraContent content;
    try {
      content = era_metadata::read_era_content(source, opts);
    } catch (const era_metadata::MetadataError& e) {
      // Everything is checked before anything is written, so a damaged dump is never half done.
      std::fprintf(stderr, "%s\nperhaps you wanted to run with --repair ?\n", e.what());
      return 1;
    }
    for (const auto& line : content.findings.to_strings()) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    era_tools::write_output(vm, [&](era_tools::Output& out) {
      era_tools::write_era_dump_xml(content, vm.count("logical") > 0, out);
    });
    return 0;
  });
}

}  // namespace schelk
