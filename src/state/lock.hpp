// The schelk lock: an exclusive flock on <dir of state file>/schelk.lock held for a whole
// mutating command. Non-blocking by default (as schelk); --lock-timeout waits for it. The holder
// writes its pid into the file, so a refused command can name it.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <stdexcept>

#include "base/unique_fd.hpp"

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
  // that it waits ("Waiting for the schelk lock <path> (up to N s)..."); a raised
  // base::process_cancel() ends the wait with base::Interrupted.
  static StateLock acquire(const std::filesystem::path& state_path, double timeout_seconds,
                           std::ostream& progress, bool shared = false);
  // shared: a lock commands that only read (send) hold together; it excludes the exclusive one.

  // Moves; closing the fd (destruction) releases the flock.
  const std::filesystem::path& path() const { return path_; }

 private:
  StateLock(base::UniqueFd fd, std::filesystem::path path)
      : fd_(std::move(fd)), path_(std::move(path)) {}
  base::UniqueFd fd_;
  std::filesystem::path path_;
};

std::filesystem::path lock_path_for(const std::filesystem::path& state_path);

}  // namespace schelk
