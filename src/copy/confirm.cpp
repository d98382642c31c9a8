// Terminal confirmation; see confirm.hpp.
#include "src/copy/confirm.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "base/confirm_answer.hpp"
#include "base/unique_fd.hpp"

namespace schelk {

std::optional<bool> ask_on_terminal(const std::string& question) {
  const base::UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty.valid() || ::isatty(tty.get()) != 1) return std::nullopt;
  const std::string prompt = question + " [y/N] ";
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) return std::nullopt;
  std::string answer;
  char c = 0;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n') answer += c;
  return base::is_yes(answer);
}

}  // namespace schelk
