// Shared command plumbing: root check, lock, state load/save, confirmation.
#include "src/workflow/context.hpp"

#include <iostream>
#include <stdexcept>

#include "base/confirm_answer.hpp"

namespace schelk {

void Context::require_root() {
  if (!system().is_root()) {
    throw std::runtime_error(
        "This command requires root privileges. Please run with sudo or as root.");
  }
}

StateLock Context::lock() {
  StepTimer timer(report_, "lock");
  return StateLock::acquire(options_.state_path, options_.lock_timeout, err_);
}

State Context::load_initialized() const {
  auto state = load_state(options_.state_path);
  if (!state) {
    throw std::runtime_error(
        "schelk has not been initialized. Run 'schelk init-new' or 'schelk init-from' first.");
  }
  return *state;
}

void Context::save(const State& state) const { save_state(options_.state_path, state); }

void Context::confirm(const std::string& message) {
  if (options_.yes) return;
  out_ << message << " [y/N] " << std::flush;
  std::string line;
  if (!std::getline(in_, line)) throw CancelledError();
  if (!base::is_yes(line)) throw CancelledError();
}

}  // namespace schelk
