// The part recover and promote share: unmount, read the written set through a held metadata
// snapshot, save it as the recovery journal, drop the snapshot, remove the dm-era target. Or, if
// an earlier run was interrupted after saving the journal, pick that journal up.
#pragma once

#include <string>

#include "src/state/journal.hpp"
#include "src/workflow/context.hpp"

namespace schelk {

enum class Operation { kRecover, kPromote };

// Precondition: state says mounted. Returns the written set to copy; on return the dm-era
// device no longer exists and the journal is saved.
Journal capture_written_set(Context& ctx, const State& st, Operation op, bool kill);

const char* operation_name(Operation op);

}  // namespace schelk
