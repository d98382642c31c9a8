// The part recover and promote share: unmount, read the written set through a held metadata
// snapshot, save it as the recovery journal, drop the snapshot, remove the dm-era target (or, if
// an earlier run was interrupted after saving the journal, pick that journal up); then copy the
// written blocks, save the state and report.
#pragma once

#include <string>

#include "src/state/journal.hpp"
#include "src/workflow/context.hpp"

namespace schelk {

enum class Operation { kRecover, kPromote };

// Precondition: state says mounted. Returns the written set to copy; on return the dm-era
// device no longer exists and the journal is saved. Throws base::Interrupted when
// base::process_cancel() is raised: at entry ("Interrupted before anything was changed."), or
// once the device is removed ("Interrupted: 0 of M blocks copied; ... again to finish.").
Journal capture_written_set(Context& ctx, const State& st, Operation op, bool kill);

// After capture_written_set: copies the journal's blocks (recover: virgin to scratch; promote:
// scratch to virgin, then re-hashes virgin), marks `st` unmounted, stamps scratch, saves the
// state, removes the journal and prints the report. Throws when the copy or its verification
// fails (the journal stays, so the next run resumes), and base::Interrupted ("Interrupted: N of
// M blocks copied; ...") when base::process_cancel() stops the copier between extents.
void copy_written_set(Context& ctx, State& st, Operation op, const Journal& journal, bool verify);

const char* operation_name(Operation op);

}  // namespace schelk
