// The run history from the workflow's side: each recover, restore, promote and full-recover
// leaves a record (src/history/run_history.hpp) when it ends, whatever its outcome; `schelk
// history` lists them and sets the retention bounds.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "base/format.hpp"
#include "src/history/run_history.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

HistoryLimits limits_of(const State& st) {
  HistoryLimits limits;
  if (st.history_max_runs) limits.max_runs = *st.history_max_runs;
  if (st.history_max_bytes) limits.max_bytes = *st.history_max_bytes;
  return limits;
}

std::string duration_text(const RunRecord& r) {
  return base::format_duration(static_cast<double>(r.ended_ms - r.started_ms) / 1000.0);
}

}  // namespace

uint64_t unix_now_ms() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

bool keeps_history(const std::string& command) {
  return command == "recover" || command == "restore" || command == "promote" ||
         command == "full-recover";
}

void record_run(Context& ctx, uint64_t started_ms, const std::string& version) {
  const auto& report = ctx.report();
  // A command that stopped before its first step (not root, usage, not initialized) ran nothing.
  if (!keeps_history(report.command) || report.steps.empty()) return;
  try {
    const auto st = load_state(ctx.options().state_path);
    if (!st) return;  // nothing was initialized: there was no run
    RunRecord r;
    r.command = report.command;
    r.started_ms = started_ms;
    r.ended_ms = unix_now_ms();
    r.id = make_run_id(started_ms, r.command);
    r.version = version;
    r.report = report.to_json();
    save_run(history_dir_for(ctx.options().state_path), std::move(r), report.written_set,
             limits_of(*st), report.files_map ? &*report.files_map : nullptr);
  } catch (const std::exception& e) {
    // The run itself is done; losing its record must not turn it into a failure.
    ctx.err() << "Warning: could not record this run in the history: " << e.what() << "\n";
  }
}

void cmd_history(Context& ctx, const HistoryOptions& opts) {
  const auto dir = history_dir_for(ctx.options().state_path);
  if (opts.keep_runs || opts.keep_bytes) {
    ctx.require_root();
    auto lock = ctx.lock();
    State st = ctx.load_initialized();
    if (opts.keep_runs) st.history_max_runs = *opts.keep_runs;
    if (opts.keep_bytes) st.history_max_bytes = *opts.keep_bytes;
    ctx.save(st);
    const size_t removed = prune_history(dir, limits_of(st));
    ctx.out() << "History keeps at most " << limits_of(st).max_runs << " runs and "
              << base::format_bytes(limits_of(st).max_bytes) << "; removed " << removed
              << " old run" << (removed == 1 ? "" : "s") << ".\n";
  }
  std::vector<std::string> problems;
  const auto runs = list_runs(dir, &problems);
  auto list = nlohmann::ordered_json::array();
  for (const auto& r : runs) list.push_back(run_to_json(r));
  ctx.report().fields["runs"] = list;
  ctx.report().fields["problems"] = problems;
  for (const auto& p : problems) ctx.err() << "Warning: unreadable history record " << p << "\n";
  if (opts.json) return;
  auto& out = ctx.out();
  if (runs.empty()) {
    out << "No runs recorded yet (" << dir.string() << ").\n";
    return;
  }
  out << std::left << std::setw(32) << "RUN" << std::setw(14) << "COMMAND" << std::setw(13)
      << "OUTCOME" << std::setw(13) << "PATH" << std::setw(12) << "BYTES"
      << "TIME\n";
  for (const auto& r : runs) {
    out << std::setw(32) << r.id << std::setw(14) << r.command << std::setw(13)
        << r.report.value("outcome", "?") << std::setw(13) << r.report.value("path", "?")
        << std::setw(12) << base::format_bytes(r.report.value("bytes_copied", uint64_t{0}))
        << duration_text(r) << "\n";
  }
}

}  // namespace schelk
