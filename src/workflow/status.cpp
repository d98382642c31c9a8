// status (the default command): configuration and state compared with reality. Needs neither
// root nor the lock; --json puts the fields into the command's report (one object for scripts),
// --check turns the comparison into the exit status (README "Exit codes").
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "base/sha256.hpp"
#include "src/state/journal.hpp"
#include "src/state/receive_log.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

struct Reality {
  bool mounted = false;
  std::optional<DmInfo> dm;
  std::optional<EraStatus> era;
  std::optional<bool> discards_off;
  std::optional<Journal> journal;
  std::string journal_error;
  std::optional<ReceiveLog> receive_log;  // an interrupted receive
  std::string receive_log_error;
  bool dm_unknown = false;  // device-mapper could not be asked (not root)
};

void observe_journal(Context& ctx, Reality& r) {
  try {
    r.journal = load_journal(ctx.options().state_path);
  } catch (const std::exception& e) {
    r.journal_error = e.what();
  }
  try {
    r.receive_log = load_receive_log(ctx.options().state_path);
  } catch (const std::exception& e) {
    r.receive_log_error = e.what();
  }
}

Reality observe(Context& ctx, const State& st) {
  Reality r;
  r.mounted = ctx.mounter().is_mounted(st.mount_point);
  try {
    r.dm = ctx.dm().info(st.dm_era_name);  // fails as non-root: treated as no device
    if (r.dm) {
      r.era = ctx.dm().status(st.dm_era_name);
      r.discards_off = ctx.system().discards_disabled(*r.dm);
    }
  } catch (const std::exception&) {
    r.dm_unknown = !r.dm;
  }
  observe_journal(ctx, r);
  return r;
}

bool consistent(const State& st, const Reality& r) {
  return st.is_mounted == r.mounted && st.is_mounted == r.dm.has_value();
}

// What --check answers, worst first: the state (or the journal) cannot be read; an interrupted
// recover/promote left a saved written set or a held metadata snapshot; the state disagrees with
// the mount and the era device.
struct Condition {
  const char* name;
  int exit_code;
};
constexpr Condition kNotInitialized{"not_initialized", 0};
constexpr Condition kConsistent{"consistent", 0};
constexpr Condition kInterrupted{"interrupted_operation", kExitInterrupted};
constexpr Condition kInconsistent{"inconsistent", kExitInconsistent};
constexpr Condition kUnreadable{"unreadable", kExitUnreadable};
constexpr Condition kNeedsFull{"needs_full_recover", kExitNeedsFullRecover};

Condition classify(const std::optional<State>& st, const Reality& r) {
  if (!r.journal_error.empty() || !r.receive_log_error.empty()) return kUnreadable;
  if (r.journal || r.receive_log || (r.era && r.era->snapshot_block)) return kInterrupted;
  if (!st) return kNotInitialized;
  // Without root the era device cannot be seen: judge by the mount alone rather than call a
  // healthy mounted volume inconsistent.
  const bool ok = r.dm_unknown ? st->is_mounted == r.mounted : consistent(*st, r);
  if (!ok) return kInconsistent;
  return st->needs_full_recover ? kNeedsFull : kConsistent;
}

// The status fields of --json, in the order they always had (D8: an unreadable journal is an
// object with its error, not null).
nlohmann::ordered_json status_fields(Context& ctx, const std::optional<State>& st,
                                     const Reality& r) {
  nlohmann::ordered_json j;
  j["state_path"] = ctx.options().state_path.string();
  j["initialized"] = st.has_value();
  if (st) {
    j["virgin"] = st->virgin;
    j["scratch"] = st->scratch;
    j["ramdisk"] = st->ramdisk;
    j["mount_point"] = st->mount_point;
    j["fstype"] = st->fstype;
    j["mount_options"] = st->mount_options ? nlohmann::ordered_json(*st->mount_options) : nullptr;
    j["granularity"] = st->granularity;
    j["dm_era_name"] = st->dm_era_name;
    j["virgin_superblock_hash"] = base::to_hex(st->virgin_superblock_hash);
    j["state_mounted"] = st->is_mounted;
    j["current_era"] = st->current_era ? nlohmann::ordered_json(*st->current_era) : nullptr;
    j["actually_mounted"] = r.mounted;
    j["dm_device_exists"] = r.dm.has_value();
    j["dm_era_current_era"] = r.era ? nlohmann::ordered_json(r.era->current_era) : nullptr;
    j["dm_era_metadata_snapshot"] =
        r.era && r.era->snapshot_block ? nlohmann::ordered_json(*r.era->snapshot_block) : nullptr;
    j["discards_disabled"] = r.discards_off ? nlohmann::ordered_json(*r.discards_off) : nullptr;
    j["consistent"] = consistent(*st, r);
    // Added: when scratch was last left equal to virgin (unix seconds), null once mounted.
    j["scratch_clean_at"] =
        st->scratch_clean_at ? nlohmann::ordered_json(*st->scratch_clean_at) : nullptr;
    // Added: why scratch needs a full recovery ("tracking_lost", "unknown_mount"), else null.
    j["needs_full_recover"] =
        st->needs_full_recover ? nlohmann::ordered_json(*st->needs_full_recover) : nullptr;
    // Added: the baseline virgin holds and its generation (null id: initialised before them).
    j["baseline_id"] = st->baseline_id ? nlohmann::ordered_json(*st->baseline_id) : nullptr;
    j["generation"] = st->generation;
    // Added: the phases marked since mount.
    j["phases"] = nlohmann::ordered_json::array();
    for (const auto& p : st->phases) {
      j["phases"].push_back({{"label", p.label}, {"era", p.era}, {"at", p.at}});
    }
  }
  if (st || !r.journal_error.empty() || r.journal) {
    if (r.journal) {
      j["saved_written_set"] = {{"operation", r.journal->operation},
                                {"blocks", count_blocks(r.journal->ranges)}};
    } else if (!r.journal_error.empty()) {
      j["saved_written_set"] = {
          {"operation", nullptr}, {"blocks", nullptr}, {"error", r.journal_error}};
    } else {
      j["saved_written_set"] = nullptr;
    }
  }
  // Added: an incremental receive a kill interrupted (stage "scratch": it rolls back; "virgin":
  // it finishes), else null.
  if (r.receive_log) {
    j["pending_receive"] = {{"from_generation", r.receive_log->from_generation},
                            {"to_generation", r.receive_log->to_generation},
                            {"stage", r.receive_log->scratch_complete ? "virgin" : "scratch"},
                            {"blocks", count_blocks(merge_ranges(r.receive_log->ranges))}};
  } else if (!r.receive_log_error.empty()) {
    j["pending_receive"] = {{"error", r.receive_log_error}};
  } else {
    j["pending_receive"] = nullptr;
  }
  return j;
}

void print_saved_written_set(std::ostream& out, const Reality& r) {
  if (r.journal) {
    out << "  Saved written set: " << count_blocks(r.journal->ranges) << " blocks from an "
        << "interrupted " << r.journal->operation << " (run 'schelk " << r.journal->operation
        << "' to finish)\n";
  } else if (!r.journal_error.empty()) {
    out << "  Saved written set: unreadable (" << r.journal_error << ")\n";
  }
  if (r.receive_log) {
    out << "  Interrupted receive: generation " << r.receive_log->from_generation << " to "
        << r.receive_log->to_generation << ", "
        << (r.receive_log->scratch_complete ? "virgin partly updated (it finishes)"
                                            : "scratch partly written (it rolls back)")
        << "; run 'schelk receive --finish'\n";
  } else if (!r.receive_log_error.empty()) {
    out << "  Interrupted receive: unreadable log (" << r.receive_log_error << ")\n";
  }
}

// A state file that cannot be read: say so with what can still be told (the journal), then fail.
[[noreturn]] void report_unreadable_state(Context& ctx, const StatusOptions& opts,
                                          const std::string& error) {
  Reality r;
  observe_journal(ctx, r);
  auto fields = status_fields(ctx, std::nullopt, r);
  fields["initialized"] = nullptr;  // a file is there, but what it says is unknown
  fields["condition"] = kUnreadable.name;
  ctx.report().fields = std::move(fields);
  if (opts.check) ctx.report().exit_code = kUnreadable.exit_code;
  if (!opts.json) {
    auto& out = ctx.out();
    out << "schelk status\n=============\n\n";
    out << "State file: " << ctx.options().state_path.string() << "\n";
    out << "  State: UNREADABLE (" << error << ")\n";
    print_saved_written_set(out, r);
  }
  throw std::runtime_error(error);
}

}  // namespace

void cmd_status(Context& ctx, const StatusOptions& opts) {
  std::optional<State> st;
  try {
    st = load_state(ctx.options().state_path);
  } catch (const std::exception& e) {
    report_unreadable_state(ctx, opts, e.what());
  }
  const Reality r = st ? observe(ctx, *st) : Reality{};
  const Condition condition = classify(st, r);
  ctx.report().fields = status_fields(ctx, st, r);
  ctx.report().fields["condition"] = condition.name;
  if (opts.check) ctx.report().exit_code = condition.exit_code;
  if (opts.json) return;
  auto& out = ctx.out();
  if (!st) {
    out << "schelk is not initialized.\n"
        << "Run 'schelk init-new' or 'schelk init-from' to get started (state file: "
        << ctx.options().state_path.string() << ").\n";
    return;
  }
  out << "schelk status\n=============\n\n";
  out << "State file: " << ctx.options().state_path.string() << "\n\n";
  out << "Configuration:\n";
  out << "  Virgin volume:  " << st->virgin << "\n";
  out << "  Scratch volume: " << st->scratch << "\n";
  out << "  RAM disk:       " << st->ramdisk << "\n";
  out << "  Mount point:    " << st->mount_point << "\n";
  out << "  Filesystem:     " << st->fstype << "\n";
  if (st->mount_options) out << "  Mount options:  " << *st->mount_options << "\n";
  out << "  Granularity: " << st->granularity << " bytes\n";
  out << "  dm-era name: " << st->dm_era_name << "\n\n";
  out << "Runtime status:\n";
  out << "  Mounted: " << (st->is_mounted ? "yes" : "no") << " (state)\n";
  if (r.mounted) {
    out << (st->is_mounted ? "  Mounted: yes (actual)\n"
                           : "  Mounted: YES (actual) - state inconsistent!\n");
  } else {
    out << (st->is_mounted ? "  Mounted: NO (actual) - state inconsistent!\n"
                           : "  Mounted: no (actual)\n");
  }
  if (r.dm) {
    out << (st->is_mounted ? "  dm-era device: active\n"
                           : "  dm-era device: EXISTS (state inconsistent, stale device?)\n");
  } else {
    out << (st->is_mounted ? "  dm-era device: MISSING (state inconsistent, possible crash)\n"
                           : "  dm-era device: none\n");
  }
  if (st->is_mounted && st->current_era) out << "  Current era: " << *st->current_era << "\n";
  for (const auto& p : st->phases) {
    out << "  Phase: " << p.label << " (from era " << p.era << ")\n";
  }
  if (r.era) {
    out << "  dm-era status: era " << r.era->current_era << ", metadata " << r.era->used << "/"
        << r.era->total << " blocks" << (r.era->snapshot_block ? ", metadata snapshot held" : "")
        << "\n";
  }
  if (r.discards_off) {
    out << "  Discards: " << (*r.discards_off ? "off (while tracking)" : "ON - not tracked!")
        << "\n";
  }
  print_saved_written_set(out, r);
  if (st->needs_full_recover) {
    out << "  Scratch: NEEDS A FULL RECOVERY (" << *st->needs_full_recover
        << "; run 'schelk full-recover')\n";
  }
  out << "\nVolume checksum:\n";
  out << "  Superblock hash: " << base::to_hex(st->virgin_superblock_hash) << "\n";
  out << "  Baseline: "
      << (st->baseline_id ? *st->baseline_id + ", generation " + std::to_string(st->generation)
                          : std::string("no id yet (the next promote gives it one)"))
      << "\n";
  if (opts.check) {
    out << "\nCheck: " << condition.name << " (exit " << condition.exit_code << ")\n";
  }
}

}  // namespace schelk
