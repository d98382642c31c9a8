// The handler: raise the process cancel token, or refuse once it is raised (async-signal-safe:
// an atomic and write(2)).
#include "src/workflow/signals.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/cancel.hpp"

namespace schelk {
namespace {

void refuse() {
  static const char kMsg[] =
      "\nRefusing to handle signal. Interrupting this operation can corrupt your volumes. If you "
      "really want to stop it, use: kill -9 ";
  const int saved = errno;
  ssize_t ignored = ::write(2, kMsg, sizeof kMsg - 1);
  char buf[24];
  int n = 0;
  long pid = ::getpid();
  char rev[24];
  do {
    rev[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  for (int i = 0; i < n; ++i) buf[i] = rev[n - 1 - i];
  buf[n++] = '\n';
  ignored = ::write(2, buf, static_cast<size_t>(n));
  (void)ignored;
  errno = saved;
}

void on_termination_signal(int signal_number) {
  auto& token = base::process_cancel();
  if (!token.requested()) {
    token.raise(signal_number);
    return;
  }
  refuse();  // the command is already stopping at its next safe point
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_termination_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace schelk
