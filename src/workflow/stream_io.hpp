// Where send writes its stream and receive reads one: stdout/stdin or a file. An output file is
// written as FILE.partial and renamed only when the stream is complete (commit), so a reader never
// sees half a stream under the final name; an output that is not committed is removed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"
#include "src/stream/stream_format.hpp"

namespace schelk {

struct StreamOutputOptions {
  std::optional<std::string> file;  // stdout when absent
  bool to_stdout() const { return !file; }
};

struct StreamInputOptions {
  std::optional<std::string> file;  // stdin when absent
  bool from_stdin() const { return !file; }
};

class StreamOutput {
 public:
  // Throws when stdout is a terminal, or the file cannot be created.
  explicit StreamOutput(const StreamOutputOptions& opts);
  ~StreamOutput();
  StreamOutput(const StreamOutput&) = delete;
  StreamOutput& operator=(const StreamOutput&) = delete;

  stream::ByteSink& sink() { return *sink_; }
  std::string name() const;
  // The stream is complete: synced and renamed to its final name.
  void commit();

 private:
  StreamOutputOptions opts_;
  std::string partial_;
  base::UniqueFd fd_;
  std::unique_ptr<stream::ByteSink> sink_;
  bool committed_ = false;
};

class StreamInput {
 public:
  // Throws when stdin is a terminal, or the file cannot be opened.
  explicit StreamInput(const StreamInputOptions& opts);
  stream::ByteSource& source() { return *source_; }
  std::string name() const;

 private:
  StreamInputOptions opts_;
  base::UniqueFd fd_;
  std::unique_ptr<stream::ByteSource> source_;
};

}  // namespace schelk
