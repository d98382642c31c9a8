// `schelk verify`: compare two devices or files (whole, or the listed blocks) by re-reading both
// with O_DIRECT and hashing; lists the differing ranges. Exit status 0 only when equal.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "copier/copy.hpp"
#include "src/commands/commands.hpp"
#include "src/copy_cli/cli_support.hpp"
#include "src/ui/progress.hpp"

namespace po = boost::program_options;

namespace schelk {

int run_verify(int argc, char** argv) {
  std::string a_path, b_path, blocks, engine = "auto";
  std::uint64_t block_size = 4096, io_size = 0;
  unsigned threads = 0, queue_depth = 0;
  bool json = false;
  po::options_description desc(
      "Usage: schelk verify --a X --b Y [--blocks FILE|-] [options]\n"
      "Compares X and Y (whole, or the listed blocks) and lists the differing block ranges.\n"
      "Exit status: 0 equal, 3 different, 1 error, 2 usage.\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("a", po::value(&a_path)->required(), "first device or file")
      ("b", po::value(&b_path)->required(), "second device or file")
      ("blocks", po::value(&blocks), "block list FILE, or - for stdin")
      ("block-size", po::value(&block_size)->default_value(4096), "bytes per block in FILE")
      ("threads", po::value(&threads)->default_value(0), "worker threads (0: default)")
      ("queue-depth", po::value(&queue_depth)->default_value(0),
       "reads in flight per thread and side (0: default)")
      ("io-size", po::value(&io_size)->default_value(0), "maximum bytes per read (0: 1 MiB)")
      ("engine", po::value(&engine)->default_value("auto"), "auto, io_uring or sync")
      ("json", po::bool_switch(&json), "print one JSON summary on stdout");
  // clang-format on
  po::variables_map vm;
  copier::CopyOptions options;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return kExitOk;
    }
    po::notify(vm);
    check_block_size(block_size);
    options.engine = parse_engine(engine);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "verify: %s\n(see schelk verify --help)\n", e.what());
    return kExitUsage;
  }
  options.threads = threads;
  options.queue_depth = queue_depth;
  options.max_io_bytes = io_size;

  const auto a = copier::open_device(a_path, copier::Access::kRead, true);
  const auto b = copier::open_device(b_path, copier::Access::kRead, true);
  std::vector<copier::Extent> extents;
  if (blocks.empty()) {
    if (a.size_bytes != b.size_bytes) {
      std::fprintf(stderr, "Warning: %s is %llu bytes, %s is %llu: comparing the first %llu\n",
                   a_path.c_str(), static_cast<unsigned long long>(a.size_bytes), b_path.c_str(),
                   static_cast<unsigned long long>(b.size_bytes),
                   static_cast<unsigned long long>(std::min(a.size_bytes, b.size_bytes)));
    }
    const std::uint64_t size = std::min(a.size_bytes, b.size_bytes);
    if (size > 0) extents.push_back({0, size});
  } else {
    extents = read_block_list(blocks, block_size);
  }

  PhaseProgress progress(::isatty(2) == 1);
  options.on_progress = [&progress](const copier::Progress& p) { progress(p); };
  const copier::VerifyResult v = copier::compare_extents(a, b, extents, options);
  progress.finish();
  // Devices of different sizes are not equal, even when their common part is.
  const bool equal = v.equal() && (!blocks.empty() || a.size_bytes == b.size_bytes);

  if (json) {
    nlohmann::json j = {{"command", "verify"},
                        {"a", a_path},
                        {"b", b_path},
                        {"bytes", v.bytes_compared},
                        {"extents", v.extents},
                        {"seconds", v.seconds},
                        {"mb_per_s", megabytes_per_second(v.bytes_compared, v.seconds)},
                        {"threads", v.threads},
                        {"engine", v.engine},
                        {"verify", verify_json(v, block_size)}};
    j["verify"]["equal"] = equal;
    if (a.size_bytes != b.size_bytes && blocks.empty()) j["verify"]["sizes_differ"] = true;
    std::cout << j.dump() << std::endl;
  } else if (v.equal()) {
    std::printf("%s compared in %.2f s (%.1f MB/s; %s, %u threads): %s\n",
                ui::format_bytes(v.bytes_compared).c_str(), v.seconds,
                megabytes_per_second(v.bytes_compared, v.seconds), v.engine.c_str(), v.threads,
                equal ? "equal" : "equal up to the smaller size, but the sizes differ");
  } else {
    std::printf("%s compared in %.2f s: ", ui::format_bytes(v.bytes_compared).c_str(), v.seconds);
    print_mismatches(v, block_size);
  }
  return equal ? kExitOk : kExitDiffer;
}

}  // namespace schelk
