// `schelk verify`: compare two devices or files (whole, or the listed blocks) by re-reading both
// with O_DIRECT and hashing; lists the differing ranges. Exit status 0 only when equal.

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "base/format.hpp"
#include "copier/copy.hpp"
#include "src/copy/block_unit.hpp"
#include "src/copy/cli_support.hpp"
#include "src/copy/copy_commands.hpp"
#include "src/copy/engine_options.hpp"
#include "src/volume/exclusive_open.hpp"

namespace po = boost::program_options;

namespace schelk {

int run_verify(int argc, char** argv) {
  std::string a_path, b_path;
  EngineArgs args;
  po::options_description desc(
      "Usage: schelk verify --a X --b Y [--blocks FILE|-] [options]\n"
      "Compares X and Y (whole, or the listed blocks) and lists the differing block ranges.\n"
      "Exit status: 0 equal, 3 different, 1 error, 2 usage.\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("a", po::value(&a_path)->required(), "first device or file")
      ("b", po::value(&b_path)->required(), "second device or file");
  // clang-format on
  add_block_list_options(desc, args);
  add_engine_options(desc, args, "reads in flight per thread and side (0: default)",
                     "maximum bytes per read (0: 1 MiB)");
  copier::CopyOptions options;
  // Here an unknown engine is a usage error with the pointer to --help, unlike in copy.
  if (const auto status = parse_command_line(argc, argv, desc, "verify", args,
                                             [&] { options = copier_options(args); })) {
    return *status;
  }
  BlockList list;
  try {
    list = load_block_list(args.blocks, block_size_sources(args));
  } catch (const BlockSizeUsageError& e) {
    return usage_error("verify", e.what());
  }
  options.mismatch_granule = list.block_size;
  const std::uint64_t block_size = list.block_size;
  ui::ProgressMode mode{};
  try {
    mode = progress_mode(args);
  } catch (const std::invalid_argument& e) {
    return usage_error("verify", e.what());
  }

  const auto a = open_device_naming_holders(a_path, copier::Access::kRead);
  const auto b = open_device_naming_holders(b_path, copier::Access::kRead);
  std::vector<copier::Extent> extents;
  if (!list.present) {
    if (a.size_bytes != b.size_bytes) {
      std::fprintf(stderr, "Warning: %s is %llu bytes, %s is %llu: comparing the first %llu\n",
                   a_path.c_str(), static_cast<unsigned long long>(a.size_bytes), b_path.c_str(),
                   static_cast<unsigned long long>(b.size_bytes),
                   static_cast<unsigned long long>(std::min(a.size_bytes, b.size_bytes)));
    }
    const std::uint64_t size = std::min(a.size_bytes, b.size_bytes);
    if (size > 0) extents.push_back({0, size});
  } else {
    extents = block_list_extents(list, {&a, &b});
  }

  PhaseProgress progress(ui::stderr_progress(mode));
  options.on_progress = [&progress](const copier::Progress& p) { progress(p); };
  const copier::VerifyResult v = copier::compare_extents(a, b, extents, options);
  progress.finish();
  // Devices of different sizes are not equal, even when their common part is.
  const bool equal = v.equal() && (list.present || a.size_bytes == b.size_bytes);

  if (args.json) {
    auto j = summary_json("verify", v.bytes_compared, v.extents, v.seconds, v.threads, v.engine);
    j["a"] = a_path;
    j["b"] = b_path;
    j["verify"] = verify_json(v, block_size);
    j["verify"]["equal"] = equal;
    j["verify"].update(phase_json(v.bytes_compared, v.seconds));
    if (a.size_bytes != b.size_bytes && !list.present) j["verify"]["sizes_differ"] = true;
    std::cout << j.dump() << std::endl;
  } else if (v.equal()) {
    std::printf("%s compared in %s (%s; %s, %u threads): %s\n",
                base::format_bytes(v.bytes_compared).c_str(),
                base::format_duration(v.seconds).c_str(),
                base::format_rate(v.bytes_compared, v.seconds).c_str(), v.engine.c_str(), v.threads,
                equal ? "equal" : "equal up to the smaller size, but the sizes differ");
  } else {
    std::printf("%s compared in %s (%s): ", base::format_bytes(v.bytes_compared).c_str(),
                base::format_duration(v.seconds).c_str(),
                base::format_rate(v.bytes_compared, v.seconds).c_str());
    print_mismatches(v, block_size);
  }
  return equal ? kExitOk : kExitDiffer;
}

}  // namespace schelk
