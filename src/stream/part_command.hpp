// A stream cut into numbered parts of at most a given size, each handed to or taken from a shell
// command the user gives (`sh -c CMD`, once per part), for object stores and other transports:
// `rclone rcat remote:bucket/base.$SCHELK_PART` to send, `rclone cat ...` to receive. Each run
// gets SCHELK_PART (six digits, "000003") and SCHELK_PART_INDEX ("3") in its environment.
// - Sink: the part on the command's stdin; the command's stdout goes to stderr (schelk's stdout
//   may carry --json). A command that exits non-zero, or stops reading, fails the send naming
//   the part and the exit status. A send that does not commit sends SIGTERM to the command of the
//   unfinished part before closing its stdin, so a command that stores only on a clean end
//   stores nothing; one that stores what it got leaves a short last part, which receive refuses.
// - Source: the part from the command's stdout (stdin is /dev/null); the next part's command runs
//   only while the stream still needs bytes (StreamEndTracker), so no listing is needed.
// SIGPIPE is ignored in schelk while a sink exists (a command that ends is an error message).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"
#include "src/stream/part_framing.hpp"
#include "src/stream/stream_format.hpp"

namespace schelk::stream {

// One run of `sh -c CMD` for one part, with a pipe to its stdin (to_child) or from its stdout.
class PartChild {
 public:
  enum class Direction { kToChild, kFromChild };
  // Throws std::system_error when the pipe or the process cannot be made.
  PartChild(const std::string& command, uint64_t index, Direction dir);
  ~PartChild();  // still running: SIGTERM, pipe closed, reaped
  PartChild(const PartChild&) = delete;
  PartChild& operator=(const PartChild&) = delete;

  int fd() const { return pipe_.get(); }
  // Closes the pipe and waits for the command; returns "" when it exited 0, else how it ended
  // ("exited with status 3", "was killed by signal 9").
  std::string finish();

 private:
  base::UniqueFd pipe_;
  pid_t pid_ = -1;
};

class PartCommandSink final : public ByteSink {
 public:
  // Throws std::invalid_argument when part_bytes is below kMinPartBytes or command is empty.
  PartCommandSink(std::string command, uint64_t part_bytes);
  // Throws std::runtime_error naming the part when its command fails.
  void write(const void* data, size_t n) override;
  // The last part's command finished. Throws std::runtime_error as write.
  void commit();
  uint64_t parts() const { return next_; }

 private:
  void finish_part();

  std::string command_;
  uint64_t part_bytes_;
  uint64_t next_ = 0;
  uint64_t in_part_ = 0;
  std::unique_ptr<PartChild> child_;
};

class PartCommandSource final : public ByteSource {
 public:
  explicit PartCommandSource(std::string command);
  // Throws std::runtime_error naming the part when its command fails or gives no bytes while
  // the stream needs more.
  size_t read(void* data, size_t n) override;
  uint64_t parts_read() const { return opened_; }

 private:
  std::string command_;
  uint64_t opened_ = 0;
  uint64_t in_part_ = 0;
  std::unique_ptr<PartChild> child_;
  StreamEndTracker end_;
};

}  // namespace schelk::stream
