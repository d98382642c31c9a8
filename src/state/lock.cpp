// flock-based lock next to the state file.
#include "src/state/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <system_error>
#include <thread>

namespace schelk {

std::filesystem::path lock_path_for(const std::filesystem::path& state_path) {
  auto dir = state_path.parent_path();
  if (dir.empty()) dir = ".";
  return dir / "schelk.lock";
}

StateLock StateLock::acquire(const std::filesystem::path& state_path) {
  std::ostringstream unused;  // never written: without a timeout nothing waits
  return acquire(state_path, 0, unused);
}

StateLock StateLock::acquire(const std::filesystem::path& state_path, double timeout_seconds,
                             std::ostream& progress) {
  auto path = lock_path_for(state_path);
  std::filesystem::create_directories(path.parent_path());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "Cannot open lock file " + path.string());
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  bool announced = false;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return StateLock(fd, path);
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      if (err == EWOULDBLOCK) {
        throw LockBusyError(
            "Another schelk process is already running (flock on " + path.string() +
            "): EAGAIN: Try again" +
            (timeout_seconds > 0 ? " (waited " + std::to_string(timeout_seconds) + " s)" : ""));
      }
      throw std::system_error(err, std::generic_category(), "Cannot lock " + path.string());
    }
    if (!announced) {
      char note[64];
      std::snprintf(note, sizeof note, "%g", timeout_seconds);
      progress << "Waiting for the schelk lock " << path.string() << " (up to " << note << " s)..."
               << std::endl;
      announced = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

StateLock::StateLock(StateLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace schelk
