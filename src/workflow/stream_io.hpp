// Where send writes its stream and receive reads one: stdout/stdin, a file, or numbered parts
// (files PREFIX.000000, ... or one run of a shell command per part: src/stream/part_files.hpp,
// part_command.hpp). An output file is written as FILE.partial and renamed only when the stream is
// complete (commit), so a reader never sees half a stream under the final name; an output that is
// not committed is removed (file parts: every part it wrote).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"
#include "src/stream/part_command.hpp"
#include "src/stream/part_files.hpp"
#include "src/stream/stream_format.hpp"

namespace schelk {

struct StreamOutputOptions {
  std::optional<std::string> file;  // stdout when absent; with part_size, the parts' prefix
  // Cut into parts of at most this many bytes.
  std::optional<uint64_t> part_size = std::nullopt;
  // With part_size: `sh -c CMD` takes each part (else files PREFIX.000000, ...).
  std::optional<std::string> part_command = std::nullopt;
  bool to_stdout() const { return !file && !part_command; }
};

struct StreamInputOptions {
  std::optional<std::string> file;  // stdin when absent
  // Read PREFIX.000000, PREFIX.000001, ... as the stream needs them.
  std::optional<std::string> parts = std::nullopt;
  // `sh -c CMD` gives each part, as the stream needs them.
  std::optional<std::string> part_command = std::nullopt;
  bool from_stdin() const { return !file && !parts && !part_command; }
};

// "64M", "1G", "1048576": bytes with an optional IEC suffix K, M, G or T (also KiB, MiB, ...).
// Throws std::invalid_argument naming the value; a size below 1 MiB is refused.
uint64_t parse_part_size(const std::string& text);

class StreamOutput {
 public:
  // Throws when stdout is a terminal, or the file cannot be created; std::invalid_argument when
  // the options do not go together (parts without a size, a size without a place).
  explicit StreamOutput(const StreamOutputOptions& opts);
  ~StreamOutput();
  StreamOutput(const StreamOutput&) = delete;
  StreamOutput& operator=(const StreamOutput&) = delete;

  stream::ByteSink& sink() { return *sink_; }
  std::string name() const;
  // The stream is complete: synced and renamed to its final name (parts: the last part too).
  void commit();

 private:
  StreamOutputOptions opts_;
  std::string partial_;
  base::UniqueFd fd_;
  std::unique_ptr<stream::ByteSink> sink_;
  stream::PartFileSink* part_files_ = nullptr;  // sink_, when it is one
  stream::PartCommandSink* part_command_ = nullptr;
  bool committed_ = false;
};

class StreamInput {
 public:
  // Throws when stdin is a terminal, or the file cannot be opened; std::invalid_argument when
  // more than one of file, parts and part_command is given.
  explicit StreamInput(const StreamInputOptions& opts);
  stream::ByteSource& source() { return *source_; }
  std::string name() const;

 private:
  StreamInputOptions opts_;
  base::UniqueFd fd_;
  std::unique_ptr<stream::ByteSource> source_;
};

}  // namespace schelk
