// repair: compares the state with the system (the mount, the era device and its table, a held
// metadata snapshot, the saved written set, the scratch stamp) and fixes what is provably safe:
//   - a mount of schelk's era device the state does not record: unmounted (scratch then needs a
//     full recovery when the state said unmounted: its writes are tracked against no baseline);
//   - schelk's era device (one era target over the state's scratch with metadata on its ramdisk,
//     by device number) while the state says unmounted, with no opener but its mounts: removed;
//   - a held metadata snapshot: dropped (under the state lock no schelk run is reading it);
//   - the state says mounted, but the era device and the mount are gone (a reboot): recorded
//     unmounted, and scratch needs a full recovery (State::needs_full_recover);
//   - a saved written set the state proves finished, or unreadable while the device still holds
//     the writes; an unreadable scratch stamp: removed.
//   - (`schelk repair` only) the state says mounted and the era device tracks, but the filesystem
//     is not mounted: mounted again where the state says.
// Never touched: a device named like ours with another table, a device something else holds
// open, a mount point mounted from another device. Those are problems whose message says what
// to do. An interrupted recover/promote (a saved written set while mounted) is reported as
// pending: only that command finishes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/workflow/context.hpp"

namespace schelk {

struct RepairProblem {
  std::string name;     // stable identifier, e.g. "foreign_era_device"
  std::string message;  // one line: what is wrong and what to do
};

struct RepairOptions {
  bool dry_run = false;
  bool kill = false;  // unmounting an unknown mount may SIGKILL the processes keeping it busy
};

// recover, restore, mount and full-recover: applies the safe repairs to `st` and the system,
// each printed ("Repaired: ...") and added to the report, and saves the state when it changed.
// Throws the first problem's message when one is found, before changing anything.
void apply_safe_repairs(Context& ctx, State& st, bool kill);

// `schelk repair [--dry-run] [-y] [--json] [--kill]`.
void cmd_repair(Context& ctx, const RepairOptions& opts);

// What `mount` and plain `recover` say when scratch needs a full recovery.
std::string needs_full_recover_message(const State& st);

}  // namespace schelk
