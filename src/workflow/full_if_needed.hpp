// Which way back to a clean baseline is provably right (recover/restore --full-if-needed, and
// full-recover's "already clean" check): the incremental copy while dm-era still tracks scratch,
// a full copy when tracking was lost or scratch was changed outside it, nothing when scratch is
// known equal to virgin and untouched since. Reads the state, the dm device, the saved written
// set, the scratch stamp and both superblocks; changes nothing. Throws what VolumeOps and the
// journal loader throw.
#pragma once

#include <string>

#include "src/state/state.hpp"
#include "src/workflow/context.hpp"

namespace schelk {

enum class BaselinePath { kIncremental, kFull, kNone };

struct BaselineDecision {
  BaselinePath path = BaselinePath::kNone;
  std::string reason;  // stable identifier for the JSON report ("tracking_lost", ...)
  std::string line;    // the sentence printed for people
};

BaselineDecision decide_baseline(Context& ctx, const State& st);

// True when `st` says scratch is clean (not mounted, scratch_clean), the stamp proves nothing
// touched scratch since, scratch's superblock matches virgin's and no copy is pending.
bool scratch_known_clean(Context& ctx, const State& st);

}  // namespace schelk
