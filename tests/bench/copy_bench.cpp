// Workload generator for copy_bench.sh: a scattered block list (64-block runs plus thousands of
// single blocks, about 1% of the device) and fio version-2 iologs issuing exactly the I/O schelk
// plans for it (copier::plan_extents), so fio replays the same reads and writes.
//
// copy_bench scattered DEVICE_BYTES PERCENT SEED SRC DST BLOCKS_TXT COPY_IOLOG READ_IOLOG
//   BLOCKS_TXT: "BEGIN END" lines in 4 KiB blocks (schelk copy --blocks)
//   COPY_IOLOG: per extent, a read of SRC then a write of DST, then a datasync of DST
//   READ_IOLOG: per extent, a read of SRC and a read of DST (what --verify adds)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "copier/extent.hpp"

namespace {

constexpr std::uint64_t kBlock = 4096;
constexpr std::uint64_t kRunBlocks = 64;
constexpr std::uint64_t kMaxIo = 1 << 20;  // schelk's default --io-size

int usage() {
  std::fprintf(stderr,
               "usage: copy_bench scattered DEVICE_BYTES PERCENT SEED SRC DST BLOCKS_TXT "
               "COPY_IOLOG READ_IOLOG\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 10 || std::string(argv[1]) != "scattered") return usage();
  const std::uint64_t device_bytes = std::strtoull(argv[2], nullptr, 10);
  const double percent = std::strtod(argv[3], nullptr);
  std::mt19937_64 rng(std::strtoull(argv[4], nullptr, 10));
  const std::string src = argv[5], dst = argv[6];
  const std::uint64_t nr_blocks = device_bytes / kBlock;
  const auto target = static_cast<std::uint64_t>(static_cast<double>(nr_blocks) * percent / 100);

  // Two thirds of the blocks in 64-block runs, the rest single blocks; each keeps a free block on
  // both sides so that nothing merges and the plan has one extent per run or block.
  std::vector<bool> used(nr_blocks);
  std::vector<copier::Extent> extents;
  const auto place = [&](std::uint64_t len) {
    for (;;) {
      const std::uint64_t b = 1 + rng() % (nr_blocks - len - 2);
      bool free = true;
      for (std::uint64_t i = b - 1; i < b + len + 1 && free; ++i) free = !used[i];
      if (!free) continue;
      for (std::uint64_t i = b; i < b + len; ++i) used[i] = true;
      extents.push_back({b * kBlock, len * kBlock});
      return;
    }
  };
  std::uint64_t placed = 0;
  while (placed + kRunBlocks <= target * 2 / 3) {
    place(kRunBlocks);
    placed += kRunBlocks;
  }
  while (placed < target) {
    place(1);
    ++placed;
  }
  const auto planned = copier::plan_extents(extents, kBlock, kMaxIo);

  std::ofstream blocks(argv[7]);
  for (const auto& e : planned) blocks << e.offset / kBlock << ' ' << e.end() / kBlock << '\n';

  const auto header = [&](std::ofstream& log) {
    log << "fio version 2 iolog\n"
        << src << " add\n"
        << dst << " add\n"
        << src << " open\n"
        << dst << " open\n";
  };
  std::ofstream copy_log(argv[8]);
  header(copy_log);
  for (const auto& e : planned) {
    copy_log << src << " read " << e.offset << ' ' << e.length << '\n';
    copy_log << dst << " write " << e.offset << ' ' << e.length << '\n';
  }
  copy_log << dst << " datasync 0 0\n" << src << " close\n" << dst << " close\n";

  std::ofstream read_log(argv[9]);
  header(read_log);
  for (const auto& e : planned) {
    read_log << src << " read " << e.offset << ' ' << e.length << '\n';
    read_log << dst << " read " << e.offset << ' ' << e.length << '\n';
  }
  read_log << src << " close\n" << dst << " close\n";

  std::uint64_t singles = 0, runs = 0;
  for (const auto& e : planned) (e.length == kBlock ? singles : runs)++;
  std::printf("%zu extents (%llu runs of %llu blocks, %llu single blocks), %llu bytes\n",
              planned.size(), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(kRunBlocks), static_cast<unsigned long long>(singles),
              static_cast<unsigned long long>(copier::total_bytes(planned)));
  return 0;
}
