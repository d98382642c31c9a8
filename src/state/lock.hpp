// The schelk lock: an exclusive flock on <dir of state file>/schelk.lock held for a whole
// mutating command. Non-blocking by default (as schelk); --lock-timeout waits for it.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <stdexcept>

namespace schelk {

class LockBusyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateLock {
 public:
  // Creates the directory and the lock file if needed; fails at once when busy. Throws
  // LockBusyError when busy, std::system_error when the lock file cannot be opened or locked.
  static StateLock acquire(const std::filesystem::path& state_path);
  // As above, but with timeout_seconds > 0 retries until the timeout, saying once on `progress`
  // that it waits ("Waiting for the schelk lock <path> (up to N s)...").
  static StateLock acquire(const std::filesystem::path& state_path, double timeout_seconds,
                           std::ostream& progress);

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
