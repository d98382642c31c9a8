// Terminal confirmation; see confirm.hpp.
#include "src/copy/confirm.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

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
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back()))) {
    answer.pop_back();
  }
  return answer == "y" || answer == "yes";
}

}  // namespace schelk
