// flock-based lock next to the state file.
#include "src/state/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>

#include "base/cancel.hpp"
#include "base/errno.hpp"
#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "base/strings.hpp"

namespace schelk {

std::filesystem::path lock_path_for(const std::filesystem::path& state_path) {
  auto dir = state_path.parent_path();
  if (dir.empty()) dir = ".";
  return dir / "schelk.lock";
}

namespace {

// The holder's pid in the lock file, for the message of a refused command. Best effort: the
// lock is the flock, never the file's contents.
void record_holder(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) return;
  try {
    base::pwrite_full(fd, std::as_bytes(std::span(pid.data(), pid.size())), 0, "lock file");
  } catch (const std::system_error&) {
  }
}

std::string holder_hint(const std::filesystem::path& path) {
  const auto text = base::read_text_file(path, 64);
  const std::string pid(text ? base::trim(*text) : std::string_view{});
  std::string hint = "; ";
  if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos) {
    hint += "held by pid " + pid + "; ";
  }
  return hint + "wait for it, or pass --lock-timeout SECONDS to wait";
}

}  // namespace

StateLock StateLock::acquire(const std::filesystem::path& state_path) {
  std::ostringstream unused;  // never written: without a timeout nothing waits
  return acquire(state_path, 0, unused);
}

StateLock StateLock::acquire(const std::filesystem::path& state_path, double timeout_seconds,
                             std::ostream& progress, bool shared) {
  auto path = lock_path_for(state_path);
  std::filesystem::create_directories(path.parent_path());
  base::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) base::throw_errno(errno, "Cannot open lock file " + path.string());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  bool announced = false;
  for (;;) {
    if (::flock(fd.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0) {
      if (!shared) record_holder(fd.get());  // readers leave the last writer's pid
      return StateLock(std::move(fd), path);
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      if (err == EWOULDBLOCK) {
        throw LockBusyError("Another schelk process is already running (flock on " + path.string() +
                            "): EAGAIN: Try again" +
                            (timeout_seconds > 0
                                 ? " (waited " + base::format_duration(timeout_seconds) + ")"
                                 : "") +
                            holder_hint(path));
      }
      base::throw_errno(err, "Cannot lock " + path.string());
    }
    if (!announced) {
      progress << "Waiting for the schelk lock " << path.string() << " (up to "
               << base::format_duration(timeout_seconds) << ")..." << std::endl;
      announced = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    base::throw_if_interrupted_unchanged();  // SIGINT/SIGTERM end a wait at once
  }
}

}  // namespace schelk
