// SIGINT/SIGTERM during the commands whose interruption must not corrupt the volumes: the first
// signal raises base::process_cancel(), which the command polls (before anything is changed it
// ends at once; inside the critical part it stops at the next safe point, resumable); a further
// signal is refused with a message naming `kill -9 <pid>`.
#pragma once

namespace schelk {

void install_interrupt_handlers();

}  // namespace schelk
