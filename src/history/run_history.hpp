// The run history: one record per recover, restore, promote and full-recover, kept in
// <state dir>/history/ as <id>.json (what the run did), <id>.written.zst (its written set,
// written_codec.hpp; only when the run copied one) and <id>.files.json (which files and
// metadata it wrote, src/forensics/file_attribution.hpp; only with recover --map-files). Ids sort
// by time: "<unix ms, 15 digits>- <command>". Retention is bounded by a number of runs and by bytes
// (the oldest go first).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/history/written_codec.hpp"

namespace schelk {

inline constexpr int kHistorySchema = 1;

struct HistoryLimits {
  uint64_t max_runs = 100;
  uint64_t max_bytes = uint64_t{256} << 20;
};

struct RunRecord {
  std::string id;
  std::string command;
  uint64_t started_ms = 0;  // unix milliseconds
  uint64_t ended_ms = 0;
  std::string version;
  // The command's report as its --json prints it (outcome, path, blocks, bytes, steps, ...),
  // plus "phases" (label, era, at) the run had marked.
  nlohmann::ordered_json report = nlohmann::ordered_json::object();
  uint64_t written_ranges = 0;  // 0 when no written set was kept
};

std::filesystem::path history_dir_for(const std::filesystem::path& state_path);
std::string make_run_id(uint64_t started_ms, const std::string& command);

// Writes the record (and the written set when not empty, the file map when given) atomically,
// then prunes to `limits` (all three files count). Throws HistoryError or std::system_error.
void save_run(const std::filesystem::path& dir, RunRecord record,
              const std::vector<BlockRange>& written, const HistoryLimits& limits,
              const nlohmann::ordered_json* files = nullptr);
// All records, oldest first; files that cannot be read are skipped and named in `problems`.
std::vector<RunRecord> list_runs(const std::filesystem::path& dir,
                                 std::vector<std::string>* problems = nullptr);
// The record with `id`, or the newest for "last"; nullopt when there is none.
std::optional<RunRecord> find_run(const std::filesystem::path& dir, const std::string& id);
std::vector<BlockRange> load_run_written_set(const std::filesystem::path& dir,
                                             const std::string& id);
// The run's file map (<id>.files.json), nullopt when it recorded none. Throws on a malformed file.
std::optional<nlohmann::json> load_run_files(const std::filesystem::path& dir,
                                             const std::string& id);
// Removes the oldest runs until at most `limits.max_runs` remain and their files take at most
// `limits.max_bytes`. Returns how many runs it removed.
size_t prune_history(const std::filesystem::path& dir, const HistoryLimits& limits);

nlohmann::ordered_json run_to_json(const RunRecord& record);

}  // namespace schelk
