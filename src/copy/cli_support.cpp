// Shared CLI pieces of copy and verify; see cli_support.hpp.
#include "src/copy/cli_support.hpp"

#include <cstdio>
#include <stdexcept>

#include "base/format.hpp"
#include "src/copy/block_list.hpp"

namespace schelk {

copier::EngineKind parse_engine(const std::string& name) {
  if (name == "auto") return copier::EngineKind::kAuto;
  if (name == "io_uring") return copier::EngineKind::kUring;
  if (name == "sync") return copier::EngineKind::kSync;
  throw std::invalid_argument("unknown engine '" + name + "' (auto, io_uring or sync)");
}

void check_block_size(std::uint64_t block_size) {
  if (block_size == 0 || block_size % 512 != 0) {
    throw std::invalid_argument("--block-size must be a positive multiple of 512, not " +
                                std::to_string(block_size));
  }
  // Also what a negative number becomes in an unsigned option ("-512": 2^64 - 512).
  if (block_size > kMaxBlockSize) {
    throw std::invalid_argument("--block-size must be at most " + std::to_string(kMaxBlockSize) +
                                " (1 GiB), not " + std::to_string(block_size));
  }
}

void check_threads(unsigned threads) {
  // Also what "--threads -1" becomes (4294967295): one thread per extent used to be started.
  if (threads > copier::kMaxThreads) {
    throw std::invalid_argument("--threads must be at most " + std::to_string(copier::kMaxThreads) +
                                ", not " + std::to_string(threads));
  }
}

nlohmann::json summary_json(const std::string& command, std::uint64_t bytes, std::uint64_t extents,
                            double seconds, unsigned threads, const std::string& engine) {
  return {{"command", command},
          {"bytes", bytes},
          {"extents", extents},
          {"seconds", seconds},
          {"mb_per_s", megabytes_per_second(bytes, seconds)},
          {"threads", threads},
          {"engine", engine}};
}

nlohmann::json verify_json(const copier::VerifyResult& v, std::uint64_t block_size) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& e : v.mismatches) {
    ranges.push_back({{"offset", e.offset},
                      {"length", e.length},
                      {"begin_block", e.offset / block_size},
                      {"end_block", (e.end() + block_size - 1) / block_size}});
  }
  return {{"equal", v.equal()}, {"bytes_compared", v.bytes_compared}, {"mismatches", ranges}};
}

void print_mismatches(const copier::VerifyResult& v, std::uint64_t block_size) {
  std::uint64_t bytes = 0;
  for (const auto& e : v.mismatches) bytes += e.length;
  std::printf("%zu range(s) differ (%s); blocks of %llu bytes, BEGIN END (END exclusive):\n",
              v.mismatches.size(), base::format_bytes(bytes).c_str(),
              static_cast<unsigned long long>(block_size));
  for (const auto& r : to_blocks(v.mismatches, block_size)) {
    std::printf("%llu %llu\n", static_cast<unsigned long long>(r.begin),
                static_cast<unsigned long long>(r.end));
  }
}

void PhaseProgress::operator()(const copier::Progress& p) {
  display_.update(p.phase == copier::Progress::Phase::kCopy ? "copy" : "verify", p.done_bytes,
                  p.total_bytes);
}

double megabytes_per_second(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
}

nlohmann::json phase_json(std::uint64_t bytes, double seconds) {
  return {
      {"bytes", bytes}, {"seconds", seconds}, {"mib_per_s", base::mib_per_second(bytes, seconds)}};
}

}  // namespace schelk
