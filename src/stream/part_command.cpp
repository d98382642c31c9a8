#include "src/stream/part_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "src/stream/part_files.hpp"

extern char** environ;

namespace schelk::stream {
namespace {

// This process's environment with SCHELK_PART and SCHELK_PART_INDEX set for one part.
std::vector<std::string> part_environment(uint64_t index) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("SCHELK_PART=") || v.starts_with("SCHELK_PART_INDEX=")) continue;
    env.emplace_back(v);
  }
  env.push_back("SCHELK_PART=" + part_number(index));
  env.push_back("SCHELK_PART_INDEX=" + std::to_string(index));
  return env;
}

std::string describe_command(const std::string& command) { return "sh -c '" + command + "'"; }

void check_command(const std::string& command) {
  if (command.empty()) throw std::invalid_argument("--part-command needs a command");
}

}  // namespace

PartChild::PartChild(const std::string& command, uint64_t index, Direction dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) base::throw_errno(errno, "Cannot make a pipe for a part");
  base::UniqueFd read_end(fds[0]);
  base::UniqueFd write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  if (dir == Direction::kToChild) {
    posix_spawn_file_actions_adddup2(&actions, read_end.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  }
  // schelk ignores SIGPIPE and may block signals; the command starts with the defaults.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env = part_environment(index);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  const int rc = ::posix_spawn(&pid_, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    base::throw_errno(rc, "Cannot run /bin/sh for part " + part_number(index) + "'s command");
  }
  pipe_ = dir == Direction::kToChild ? std::move(write_end) : std::move(read_end);
}

PartChild::~PartChild() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);  // before its stdin ends: it must not take a short part as whole
  pipe_.reset();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string PartChild::finish() {
  pipe_.reset();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) base::throw_errno(errno, "Cannot wait for a part command");
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? ""
                                    : "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

PartCommandSink::PartCommandSink(std::string command, uint64_t part_bytes)
    : command_(std::move(command)), part_bytes_(part_bytes) {
  check_command(command_);
  if (part_bytes_ < kMinPartBytes) {
    throw std::invalid_argument("a part size of " + std::to_string(part_bytes_) +
                                " bytes is too small: use at least 1M (1 MiB)");
  }
  std::signal(SIGPIPE, SIG_IGN);  // a command that stops reading is an error message, not a kill
}

void PartCommandSink::write(const void* data, size_t n) {
  const auto* p = static_cast<const std::byte*>(data);
  while (n > 0) {
    if (!child_)
      child_ = std::make_unique<PartChild>(command_, next_, PartChild::Direction::kToChild);
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, part_bytes_ - in_part_));
    try {
      base::write_full(child_->fd(), std::span(p, take), "part " + part_number(next_));
    } catch (const std::system_error& e) {
      if (e.code().value() != EPIPE) throw;
      const std::string how = child_->finish();
      child_.reset();
      throw std::runtime_error("The command for part " + part_number(next_) +
                               " stopped reading its part (it " +
                               (how.empty() ? std::string("exited with status 0") : how) +
                               "): " + describe_command(command_));
    }
    p += take;
    n -= take;
    in_part_ += take;
    if (in_part_ == part_bytes_) finish_part();
  }
}

void PartCommandSink::finish_part() {
  const std::string how = child_->finish();
  child_.reset();
  if (!how.empty()) {
    throw std::runtime_error("The command for part " + part_number(next_) + " " + how + ": " +
                             describe_command(command_));
  }
  ++next_;
  in_part_ = 0;
}

void PartCommandSink::commit() {
  if (child_) finish_part();
}

PartCommandSource::PartCommandSource(std::string command) : command_(std::move(command)) {
  check_command(command_);
}

size_t PartCommandSource::read(void* data, size_t n) {
  while (true) {
    if (child_) {
      const std::string part = part_number(opened_ - 1);
      const size_t got = base::read_full(child_->fd(), std::span(static_cast<std::byte*>(data), n),
                                         "part " + part);
      if (got > 0) {
        in_part_ += got;
        end_.consume(static_cast<const uint8_t*>(data), got);
        return got;
      }
      const std::string how = child_->finish();
      child_.reset();
      const std::string needs =
          end_.ended() ? ""
                       : ": is the part missing? The stream needs more bytes; was the send "
                         "complete?";
      if (!how.empty()) {
        throw std::runtime_error("The command for part " + part + " " + how + needs + " (" +
                                 describe_command(command_) + ")");
      }
      if (in_part_ == 0) {
        throw std::runtime_error("The command for part " + part + " gave no bytes" + needs + " (" +
                                 describe_command(command_) + ")");
      }
    }
    if (end_.ended() || n == 0) return 0;  // no command run past the stream's end
    child_ = std::make_unique<PartChild>(command_, opened_, PartChild::Direction::kFromChild);
    ++opened_;
    in_part_ = 0;
  }
}

}  // namespace schelk::stream
