// era_invalidate: the data blocks written since a given era, as 0.9's XML. Compatible with
// thin-provisioning-tools 0.9 options and exit codes; fixes its bugs (--metadata-snapshot really
// reads the snapshot, writeset bits beyond nr_blocks are dropped).
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "era_metadata/metadata_source.hpp"
#include "era_metadata/written_since.hpp"
#include "src/era_tools/blocks_xml.hpp"
#include "src/era_tools/era_tool_cli.hpp"
#include "src/era_tools/era_tools.hpp"

namespace po = boost::program_options;

namespace schelk {
namespace {

constexpr std::string_view kUsage =
    "Usage: era_invalidate [options] --written-since <era> {device|file}\n"
    "Options:\n"
    "  {-h|--help}\n"
    "  {-o <xml file>}\n"
    "  {--metadata-snapshot}\n"
    "  {-V|--version}\n"
    "  {--include-current-writeset}\n"
    "  {--trust-kernel-order}\n";

}  // namespace

int run_era_invalidate(int argc, char** argv) {
  // --written-since is taken out by hand: 0.9 accepts "-1" (it wraps) and "" (then fails the
  // number check), which Boost would take for an option or refuse.
  std::vector<std::string> kept;
  std::optional<std::string> since;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0 && a == "--written-since") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "era_invalidate: option '--written-since' requires an argument\n");
        era_tools::print_usage(stderr, kUsage);
        return 1;
      }
      since = argv[++i];
    } else if (i > 0 && a.rfind("--written-since=", 0) == 0) {
      since = a.substr(16);
    } else {
      kept.push_back(a);
    }
  }
  std::vector<char*> args;
  for (auto& k : kept) args.push_back(k.data());

  po::options_description options;
  options.add_options()("help,h", "")("version,V", "")("output,o", po::value<std::string>(), "")(
      "metadata-snapshot", "")("include-current-writeset", "")("trust-kernel-order", "")(
      "threads", po::value<unsigned>(), "");
  po::variables_map vm;
  if (!era_tools::parse_command_line(static_cast<int>(args.size()), args.data(), options,
                                     "era_invalidate", kUsage, vm)) {
    return 1;
  }
  if (auto rc = era_tools::answer_help_or_version(vm, kUsage)) return *rc;
  return era_tools::run_tool([&] {
    era_metadata::WrittenSinceOptions opts;
    if (!since) {
      std::fprintf(stderr, "Please specify --written-since\n");
      era_tools::print_usage(stderr, kUsage);
      return 1;
    }
    // The last --written-since wins, as with 0.9's getopt loop.
    opts.since_era = era_tools::parse_u32_like_0_9(*since);
    const auto input_arg = era_tools::input_path(vm, kUsage);
    if (!input_arg) return 1;
    const std::string& input = *input_arg;
    era_tools::check_input_path(input);
    const bool snapshot = vm.count("metadata-snapshot") > 0;
    opts.superblock = snapshot ? era_metadata::SuperblockChoice::kMetadataSnapshot
                               : era_metadata::SuperblockChoice::kLive;
    opts.include_current_writeset = vm.count("include-current-writeset") > 0;
    opts.trust_kernel_order = vm.count("trust-kernel-order") > 0;
    if (vm.count("threads")) opts.threads = vm["threads"].as<unsigned>();
    // A held snapshot means the kernel has the device open: O_EXCL would fail.
    auto source = era_metadata::FileMetadataSource::open(
        input, snapshot ? era_metadata::OpenMode::kShared : era_metadata::OpenMode::kExclusive);
    const era_metadata::WrittenSet written = era_metadata::read_written_since(source, opts);
    for (const auto& line : written.findings.to_strings()) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    era_tools::write_output(
        vm, [&](era_tools::Output& out) { era_tools::write_blocks_xml(written.blocks, out); });
    return 0;
  });
}

}  // namespace schelk
