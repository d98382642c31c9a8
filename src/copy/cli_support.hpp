// Pieces shared by `schelk copy` and `schelk verify`: naming engines, the JSON summary, the exit
// codes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "copier/copy.hpp"
#include "src/ui/progress.hpp"

namespace schelk {

// Exit statuses of copy and verify.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitDiffer = 3;  // verify found differing ranges

// "auto" | "io_uring" | "sync"; throws std::invalid_argument otherwise.
[[nodiscard]] copier::EngineKind parse_engine(const std::string& name);

// Validates --block-size: a positive multiple of 512, at most kMaxBlockSize. Throws
// std::invalid_argument.
inline constexpr std::uint64_t kMaxBlockSize = std::uint64_t{1} << 30;
void check_block_size(std::uint64_t block_size);

// Validates --threads: at most copier::kMaxThreads. Throws std::invalid_argument.
void check_threads(unsigned threads);

// The fields every JSON summary has: command, bytes, extents, seconds, mb_per_s, threads, engine.
// The caller adds its own (nlohmann::json keeps keys sorted, so the order of adding is not seen).
[[nodiscard]] nlohmann::json summary_json(const std::string& command, std::uint64_t bytes,
                                          std::uint64_t extents, double seconds, unsigned threads,
                                          const std::string& engine);

// The verify part of a JSON summary, and the human listing of differing ranges in blocks.
[[nodiscard]] nlohmann::json verify_json(const copier::VerifyResult& v, std::uint64_t block_size);
void print_mismatches(const copier::VerifyResult& v, std::uint64_t block_size);

// Drives one progress line per phase ("copy", then "verify") from CopyOptions::on_progress.
class PhaseProgress {
 public:
  explicit PhaseProgress(ui::ProgressSettings settings) : display_(std::move(settings)) {}
  void operator()(const copier::Progress& p);
  void finish() { display_.finish(); }

 private:
  ui::PhasedProgress display_;
};

// Decimal megabytes per second: the JSON field mb_per_s keeps its meaning (MB = 10^6 bytes).
[[nodiscard]] double megabytes_per_second(std::uint64_t bytes, double seconds);

// One phase for machines: {"bytes", "seconds", "mib_per_s"}.
[[nodiscard]] nlohmann::json phase_json(std::uint64_t bytes, double seconds);

}  // namespace schelk
