// `schelk copy`: copy blocks (or a whole device) from SRC to DST at the same offsets with the
// parallel copier, optionally verifying by re-reading both sides.
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "base/format.hpp"
#include "copier/copy.hpp"
#include "src/copy/block_unit.hpp"
#include "src/copy/cli_support.hpp"
#include "src/copy/confirm.hpp"
#include "src/copy/copy_commands.hpp"
#include "src/copy/engine_options.hpp"
#include "src/volume/exclusive_open.hpp"

namespace po = boost::program_options;

namespace schelk {
namespace {

struct CopyArgs : EngineArgs {
  std::string from, to;
  bool verify = false, yes = false;
};

po::options_description copy_options(CopyArgs& a) {
  po::options_description desc(
      "Usage: schelk copy --from SRC --to DST [--blocks FILE|-] [options]\n"
      "Copies the listed blocks (default: the whole source) from SRC to DST at the same offsets.\n"
      "FILE holds era_invalidate XML (give --block-size or --metadata: XML has no block size) or\n"
      "lines 'BEGIN END' (END exclusive) in --block-size units.\n"
      "Exit status: 0 copied (and equal with --verify), 1 error, 2 usage, 3 verify found "
      "differences.\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("from", po::value(&a.from)->required(), "source device or file")
      ("to", po::value(&a.to)->required(), "destination device or file (overwritten)");
  add_block_list_options(desc, a);
  desc.add_options()
      ("verify", po::bool_switch(&a.verify), "re-read both sides after copying and compare");
  add_engine_options(desc, a, "I/Os in flight per thread (0: default)",
                     "maximum bytes per I/O (0: 1 MiB)");
  desc.add_options()
      ("yes,y", po::bool_switch(&a.yes), "do not ask before overwriting a block device");
  // clang-format on
  return desc;
}

// Before any write, and before asking: everything copy_extents would refuse anyway.
void check_ranges(const copier::Device& src, const copier::Device& dst,
                  const std::vector<copier::Extent>& extents) {
  std::uint64_t end = 0;
  for (const auto& e : extents) end = std::max(end, e.end());
  for (const copier::Device* d : {&src, &dst}) {
    if (end > d->size_bytes) {
      throw copier::CopyError("the block list reaches byte " + std::to_string(end) +
                                  ", beyond the end of " + d->path + " (" +
                                  std::to_string(d->size_bytes) + " bytes); nothing copied",
                              {}, 0);
    }
  }
}

// Both paths name one block device (stat follows symlinks; /dev/loop0 and a udev alias match).
bool same_block_device(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && S_ISBLK(sa.st_mode) &&
         S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
}

}  // namespace

int run_copy(int argc, char** argv) {
  CopyArgs a;
  const auto desc = copy_options(a);
  if (const auto status = parse_command_line(argc, argv, desc, "copy", a)) return *status;
  copier::CopyOptions options;
  try {
    options = copier_options(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "copy: %s\n", e.what());
    return kExitUsage;
  }
  options.verify = a.verify;
  ui::ProgressMode mode{};
  try {
    mode = progress_mode(a);
  } catch (const std::invalid_argument& e) {
    return usage_error("copy", e.what());
  }
  // The list is read, parsed and its unit decided before any device is opened.
  BlockList list;
  try {
    list = load_block_list(a.blocks, block_size_sources(a));
  } catch (const BlockSizeUsageError& e) {
    return usage_error("copy", e.what());
  }
  options.mismatch_granule = list.block_size;

  // One block device named twice (two paths, or a path twice) is refused before its second
  // exclusive open, which would fail as "in use" and hide the real mistake.
  if (same_block_device(a.from, a.to)) {
    throw copier::CopyError(a.from + " and " + a.to + " are the same device; nothing copied", {},
                            0);
  }
  const auto src = open_device_naming_holders(a.from, copier::Access::kRead);
  const auto dst = open_device_naming_holders(a.to, copier::Access::kWrite);
  if (copier::same_device(src, dst)) {
    throw copier::CopyError(a.from + " and " + a.to + " are the same device; nothing copied", {},
                            0);
  }
  const auto extents =
      list.present ? block_list_extents(list, {&src, &dst}) : copier::whole_device(src);
  check_ranges(src, dst, extents);

  if (dst.is_block_device && !a.yes) {
    const auto answer = ask_on_terminal("Overwrite data on block device " + a.to +
                                        " with data from " + a.from + "?");
    if (!answer) {
      throw std::runtime_error("refusing to overwrite block device " + a.to +
                               " without confirmation: no terminal to ask on (pass -y)");
    }
    if (!*answer) {
      std::fprintf(stderr, "Aborted; nothing copied.\n");
      return kExitError;
    }
  }

  PhaseProgress progress(ui::stderr_progress(mode));
  options.on_progress = [&progress](const copier::Progress& p) { progress(p); };
  const copier::CopyResult r = copier::copy_extents(src, dst, extents, options);
  progress.finish();

  const bool equal = !r.verify || r.verify->equal();
  if (a.json) {
    auto j = summary_json("copy", r.bytes, r.extents, r.seconds, r.threads, r.engine);
    j["from"] = a.from;
    j["to"] = a.to;
    j["queue_depth"] = r.queue_depth;
    j["verify"] = nullptr;
    // Each phase's own time and rate (seconds above is both phases together).
    j["copy"] = phase_json(r.bytes, r.copy_seconds);
    if (r.verify) {
      j["verify"] = verify_json(*r.verify, list.block_size);
      j["verify"].update(phase_json(r.verify->bytes_compared, r.verify->seconds));
    }
    std::cout << j.dump() << std::endl;
  } else {
    std::printf("Copied %s (%llu I/O extents) from %s to %s in %s (%s; %s, %u threads)\n",
                base::format_bytes(r.bytes).c_str(), static_cast<unsigned long long>(r.extents),
                a.from.c_str(), a.to.c_str(), base::format_duration(r.copy_seconds).c_str(),
                base::format_rate(r.bytes, r.copy_seconds).c_str(), r.engine.c_str(), r.threads);
    if (r.verify && equal) {
      std::printf("Verified: %s compared in %s (%s), equal\n",
                  base::format_bytes(r.verify->bytes_compared).c_str(),
                  base::format_duration(r.verify->seconds).c_str(),
                  base::format_rate(r.verify->bytes_compared, r.verify->seconds).c_str());
    } else if (r.verify) {
      std::printf("VERIFY FAILED: %s compared in %s (%s); ",
                  base::format_bytes(r.verify->bytes_compared).c_str(),
                  base::format_duration(r.verify->seconds).c_str(),
                  base::format_rate(r.verify->bytes_compared, r.verify->seconds).c_str());
      print_mismatches(*r.verify, list.block_size);
    }
  }
  return equal ? kExitOk : kExitDiffer;
}

}  // namespace schelk
