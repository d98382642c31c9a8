// Shared command plumbing: root check, lock, state load/save, confirmation; each of them is
// before the point of no return, so an interrupt (SIGINT/SIGTERM) ends the command there.
#include "src/workflow/context.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <stdexcept>

#include "base/cancel.hpp"
#include "base/confirm_answer.hpp"

namespace schelk {

void Context::require_root() {
  if (!system().is_root()) {
    throw std::runtime_error(
        "This command requires root privileges. Please run with sudo or as root.");
  }
}

StateLock Context::lock() { return take_lock(false); }
StateLock Context::lock_shared() { return take_lock(true); }

StateLock Context::take_lock(bool shared) {
  base::throw_if_interrupted_unchanged();
  StepTimer timer(report_, "lock");
  auto lock = StateLock::acquire(options_.state_path, options_.lock_timeout, err_, shared);
  timer.stop();
  base::throw_if_interrupted_unchanged();
  return lock;
}

State Context::load_initialized() const {
  base::throw_if_interrupted_unchanged();
  auto state = load_state(options_.state_path);
  if (!state) {
    throw std::runtime_error(
        "schelk has not been initialized. Run 'schelk init-new' or 'schelk init-from' first.");
  }
  return *state;
}

void Context::save(const State& state) const { save_state(options_.state_path, state); }

namespace {

// Waits until stdin has something to read, polling the interrupt token between short waits: a
// blocked getline would not return on a signal (SA_RESTART).
void wait_for_terminal_input() {
  for (;;) {
    base::throw_if_interrupted_unchanged();
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;  // the signal: the check above decides
    if (ready != 0) return;  // readable, hung up, or an error getline will report
  }
}

}  // namespace

void Context::confirm(const std::string& message) {
  if (options_.yes) return;
  // The prompt goes to stderr, never into the output a script captures; what was printed
  // before it (the warning it asks about) is flushed first so the two appear in order.
  out_.flush();
  err_ << message << " [y/N] " << std::flush;
  if (&in_ == &std::cin) wait_for_terminal_input();
  std::string line;
  const bool answered = static_cast<bool>(std::getline(in_, line));
  base::throw_if_interrupted_unchanged();
  if (!answered) throw CancelledError();
  if (!base::is_yes(line)) throw CancelledError();
}

}  // namespace schelk
