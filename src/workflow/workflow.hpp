// The workflow commands (one file each). Each takes the lock it needs itself; the *_locked
// variants run under a lock the caller already holds (restore = recover + mount).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/workflow/context.hpp"

namespace schelk {

struct InitOptions {
  std::string virgin;
  std::string scratch;
  std::string ramdisk;
  std::string mount_point;
  std::optional<std::string> mount_options;
  uint64_t granularity = 4096;
  std::string dm_era_name = kDefaultDmEraName;
  std::optional<std::string> fstype;  // init-from only; detected with libblkid when absent
  bool no_copy = false;               // init-from only
  bool verify = false;
  bool allow_any_ramdisk = false;  // accept a metadata device that is not RAM-backed
};

struct StatusOptions {
  bool json = false;   // only the report's JSON: no text
  bool check = false;  // the exit status says what status found (the kExit* codes)
};

// status --check exit codes (README "Exit codes"); 1 is any error, 2 a usage error.
inline constexpr int kExitInterrupted = 3;       // an interrupted recover/promote is pending
inline constexpr int kExitInconsistent = 4;      // the state disagrees with the mount / era device
inline constexpr int kExitUnreadable = 5;        // the state file or the saved written set
inline constexpr int kExitNeedsFullRecover = 6;  // scratch's tracking was lost: full copy needed

struct RecoverOptions {
  bool kill = false;
  bool verify = false;
  bool full_if_needed = false;  // recover/restore: a full copy when incremental is not provable
  bool map_files = false;       // recover/restore: record which files the run wrote (history)
};

void cmd_init_new(Context& ctx, const InitOptions& opts);
void cmd_init_from(Context& ctx, const InitOptions& opts);
void cmd_mount(Context& ctx);
void mount_locked(Context& ctx);
void cmd_recover(Context& ctx, const RecoverOptions& opts);
void recover_locked(Context& ctx, const RecoverOptions& opts);
void cmd_promote(Context& ctx, const RecoverOptions& opts);
void cmd_restore(Context& ctx, const RecoverOptions& opts);
struct HistoryOptions {
  bool json = false;
  std::optional<uint64_t> keep_runs;  // new retention bounds, saved in the state
  std::optional<uint64_t> keep_bytes;
};
// Lists the recorded runs (and sets the retention bounds when given).
void cmd_history(Context& ctx, const HistoryOptions& opts);
// Milliseconds since the epoch, now.
uint64_t unix_now_ms();
// Records the command the context ran in the history (recover, restore, promote, full-recover
// only), with its report; a failure to record only warns on err().
void record_run(Context& ctx, uint64_t started_ms, const std::string& version);

struct WrittenOptions {
  std::optional<std::string> run;       // an id or "last" (the default when not mounted)
  std::optional<std::string> metadata;  // metadata by path; no state needed
  bool metadata_snapshot = false;       // read --metadata through its held snapshot
  std::optional<std::string> since;     // a phase label or an era
  bool by_phase = false;                // live: blocks last written in each phase
  bool ranges = false;                  // "BEGIN END" lines (blocks) for copy --blocks
  std::optional<std::string> picture;   // a PNG of the written blocks by phase
  bool files = false;                   // which files and filesystem metadata were written
  std::optional<std::string> device;    // --metadata --files: the filesystem to read
  bool json = false;
};
// Reports a written set (live, a past run, or metadata by path).
void cmd_written(Context& ctx, const WrittenOptions& opts);
// recover --map-files: attributes the run's written set to the files of scratch (unmounted now,
// not yet copied back) into the report's files_map, kept by the run history. Only warns when it
// cannot (a resumed copy, another filesystem is noted, a damaged one).
void map_run_files(Context& ctx, const State& st, const Journal& journal);

// Starts the phase `label` of the tracked run (checkpoint; recorded in the state).
void cmd_mark(Context& ctx, const std::string& label);
// Copies nothing when scratch is known clean (full_if_needed.hpp) unless `force`.
void cmd_full_recover(Context& ctx, bool verify, bool force = false);
void full_recover_locked(Context& ctx, bool verify, bool force);
// Fills the report's fields (the --json object) and prints the text unless opts.json. Throws,
// after printing what it can, when the state file cannot be read.
void cmd_status(Context& ctx, const StatusOptions& opts);
// Throws, naming what to run, while a receive a kill interrupted is pending (scratch partly
// written, or virgin partly updated): mount, send, full-recover and overhead refuse then.
void refuse_if_receive_pending(const Context& ctx);

// Throws when a verified copy found mismatches.
void check_verified(const CopyReport& report, const std::string& src, const std::string& dst);
// "  <blocks_label>: N", bytes copied, the copy's time and average speed (base/format.hpp
// units), and the verification with its own size, time and rate.
void print_copy_report(std::ostream& out, const char* blocks_label, uint64_t blocks,
                       const CopyReport& report);
// Each phase's size, time and rate in the --json object: "copy" and, when verified, "verify"
// ({"bytes", "ms", "mib_per_s"}; the step "copy and verify" times both together).
void record_copy_phases(Report& report, const CopyReport& copy);

}  // namespace schelk
