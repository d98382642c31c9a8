#include "src/state/lock.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "src/volume/tools.hpp"
#include "tests/support/temp_path.hpp"

using namespace schelk;

TEST_CASE("the lock is exclusive / non-blocking by default / released on destruction") {
  test::TempDir dir;
  const auto state = dir / "state.json";
  {
    auto first = StateLock::acquire(state);
    CHECK(first.path() == dir / "schelk.lock");
    try {
      StateLock::acquire(state);
      FAIL("second lock acquired");
    } catch (const LockBusyError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("Another schelk process is already running (flock on " +
                     (dir / "schelk.lock").string() + "): EAGAIN") != std::string::npos);
      // The holder (this process) is named, with the way to wait.
      CHECK(msg.find("held by pid " + std::to_string(::getpid()) +
                     "; wait for it, or pass --lock-timeout SECONDS") != std::string::npos);
    }
  }
  CHECK_NOTHROW(StateLock::acquire(state));
  CHECK(std::filesystem::exists(dir / "schelk.lock"));  // never deleted
}

TEST_CASE("two state files in one directory share the lock") {
  test::TempDir dir;
  auto a = StateLock::acquire(dir / "a.json");
  CHECK_THROWS_AS(StateLock::acquire(dir / "b.json"), LockBusyError);
}

TEST_CASE("lock timeout (--lock-timeout) waits for the holder and then gives up") {
  test::TempDir dir;
  const auto state = dir / "state.json";
  auto holder = std::make_unique<StateLock>(StateLock::acquire(state));
  const auto t0 = std::chrono::steady_clock::now();
  std::ostringstream progress;
  CHECK_THROWS_AS(StateLock::acquire(state, 0.3, progress), LockBusyError);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(waited >= 0.3);
  CHECK(waited < 2.0);
  // The wait is announced once, on the stream given (the command's error stream).
  CHECK(progress.str() ==
        "Waiting for the schelk lock " + (dir / "schelk.lock").string() + " (up to 300ms)...\n");
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder.reset();
  });
  CHECK_NOTHROW(StateLock::acquire(state, 5, progress));
  releaser.join();
}

TEST_CASE("the lock contends with flock(1) held by another process") {
  if (!find_in_path("flock")) {
    FAIL("flock(1) is not installed (util-linux): run scripts/install-deps.sh");
  }
  test::TempDir dir;
  const auto lockfile = (dir / "schelk.lock").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("flock", "flock", lockfile.c_str(), "sleep", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_THROWS_AS(StateLock::acquire(dir / "state.json"), LockBusyError);
  std::ostringstream progress;
  CHECK_NOTHROW(StateLock::acquire(dir / "state.json", 5, progress));
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
