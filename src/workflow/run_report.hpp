// What one workflow command did, for people and for machines: the outcome, which copy path it
// took, how much it copied, the repairs it made and the time each real step took. Commands fill
// the Report their Context carries (StepTimer around each real call); the CLI prints it at the
// end: a "Steps: ..." line for people, one JSON object (schema 1, see README "Results for
// machines") under --json. Nothing here throws but std::bad_alloc.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/state/journal.hpp"

namespace schelk {

inline constexpr int kReportSchema = 1;

struct ReportStep {
  std::string name;
  double ms = 0;
};

// A fix applied before the command ran (by `repair` or the safe repairs other commands make).
struct ReportRepair {
  std::string name;    // a stable identifier, e.g. "remove_orphaned_era_device"
  std::string detail;  // the line printed for people
};

struct Report {
  std::string command;
  std::string outcome = "ok";  // "ok", "nothing_to_do", "error" or "interrupted"
  std::string path = "none";   // "incremental", "full" or "none"
  uint64_t blocks_copied = 0;
  uint64_t bytes_copied = 0;
  std::optional<uint64_t> block_size;  // the tracking granularity the blocks count in
  std::vector<ReportRepair> repairs;
  std::vector<ReportStep> steps;
  std::optional<std::string> error;
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();  // command-specific
  // The written set the command copied (not in the JSON: the run history keeps it).
  std::vector<BlockRange> written_set;
  // recover --map-files: which files the run wrote (not in the JSON: <id>.files.json keeps it).
  std::optional<nlohmann::ordered_json> files_map;
  int exit_code = 0;
  bool print_steps = true;  // false when stdout is data a program reads (written --ranges)  // a
                            // command's own non-zero status (status --check); 0 = by outcome

  void add_step(std::string name, double ms) { steps.push_back({std::move(name), ms}); }
  // Counts a copy of `bytes` in blocks of `granularity` (the last one may be partial).
  void add_copy(uint64_t bytes, uint64_t blocks, uint64_t granularity);

  // The one JSON object: schema, command, outcome[, error], path, blocks_copied, bytes_copied,
  // block_size, repairs, steps, then `fields` in their order.
  nlohmann::ordered_json to_json() const;
  // "Steps: unmount 12ms, snapshot 0.4ms, copy 1.53s, ..." (base::format_duration); empty when
  // no step was timed.
  std::string steps_line() const;
};

// Times one step: from construction to stop(), next() or destruction (also when an exception
// leaves the scope, so an error report shows the step that failed). next() ends the running step
// and starts another, so timing a sequence of calls adds lines and no braces.
class StepTimer {
 public:
  StepTimer(Report& report, std::string name);
  ~StepTimer() { stop(); }
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;

  void next(std::string name);
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  Report& report_;
  std::string name_;
  Clock::time_point start_;
  bool running_ = true;
};

}  // namespace schelk
