// Cooperative interruption: a CancelToken is raised (from a signal handler: lock-free atomic,
// async-signal-safe) and polled by long work at its safe points; process_cancel() is the one
// token SIGINT/SIGTERM raise. Interrupted is what a poller throws: it carries the signal (exit
// status 128 + signal) and a one-line message saying what was left and how to finish.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

namespace base {

class CancelToken {
 public:
  // Async-signal-safe. The first raise wins: a later signal does not replace the first.
  void raise(int signal_number) noexcept {
    int expected = 0;
    signal_.compare_exchange_strong(expected, signal_number);
  }
  [[nodiscard]] bool requested() const noexcept { return signal() != 0; }
  [[nodiscard]] int signal() const noexcept { return signal_.load(std::memory_order_relaxed); }
  void reset() noexcept { signal_.store(0); }

 private:
  static_assert(std::atomic<int>::is_always_lock_free, "a signal handler may raise the token");
  std::atomic<int> signal_{0};
};

// The token SIGINT/SIGTERM raise (see src/workflow/signals.hpp).
inline CancelToken& process_cancel() noexcept {
  static CancelToken token;
  return token;
}

class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal_number, const std::string& message)
      : std::runtime_error(message), signal_(signal_number) {}
  [[nodiscard]] int signal_number() const noexcept { return signal_; }
  [[nodiscard]] int exit_status() const noexcept { return 128 + signal_; }

 private:
  int signal_;
};

inline constexpr const char* kInterruptedUnchanged = "Interrupted before anything was changed.";

// At a point before anything was changed: throws Interrupted(kInterruptedUnchanged) when the
// process token is raised.
inline void throw_if_interrupted_unchanged() {
  if (const int s = process_cancel().signal()) throw Interrupted(s, kInterruptedUnchanged);
}

}  // namespace base
