// Asking the user on the controlling terminal (not stdin, which may carry a block list).
#pragma once

#include <optional>
#include <string>

namespace schelk {

// Writes `question` + " [y/N] " to the terminal and reads one line. Returns nullopt when there is
// no controlling terminal, else base::is_yes of the line.
[[nodiscard]] std::optional<bool> ask_on_terminal(const std::string& question);

}  // namespace schelk
