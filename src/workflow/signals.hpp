// SIGINT/SIGTERM are refused during commands whose interruption could corrupt the volumes.
#pragma once

namespace schelk {

void ignore_termination_signals();

}  // namespace schelk
