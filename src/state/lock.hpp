// The schelk lock: an exclusive flock on <dir of state file>/schelk.lock held for a whole
// mutating command. Non-blocking by default (as schelk); --lock-timeout waits for it.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace schelk {

class LockBusyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateLock {
 public:
  // Creates the directory and the lock file if needed. timeout_seconds <= 0: fail at once when
  // busy; otherwise retry until the timeout. Throws LockBusyError when it stays busy.
  static StateLock acquire(const std::filesystem::path& state_path, double timeout_seconds = 0);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  const std::filesystem::path& path() const { return path_; }

 private:
  StateLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

std::filesystem::path lock_path_for(const std::filesystem::path& state_path);

}  // namespace schelk
