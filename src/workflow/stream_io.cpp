#include "src/workflow/stream_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

#include "base/errno.hpp"

namespace schelk {

StreamOutput::StreamOutput(const StreamOutputOptions& opts) : opts_(opts) {
  if (opts_.to_stdout()) {
    if (::isatty(1) == 1) {
      throw std::runtime_error(
          "stdout is a terminal: send writes a binary stream; pipe it (| ssh HOST schelk "
          "receive) or give -o FILE.");
    }
    std::signal(SIGPIPE, SIG_IGN);  // a receiver that ends is an error message, not a kill
    sink_ = std::make_unique<stream::FdSink>(1, "stdout");
    return;
  }
  partial_ = *opts_.file + ".partial";
  fd_ = base::UniqueFd(::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) base::throw_errno(errno, "Cannot create " + partial_);
  sink_ = std::make_unique<stream::FdSink>(fd_.get(), *opts_.file);
}

StreamOutput::~StreamOutput() {
  if (!opts_.to_stdout() && !committed_) ::unlink(partial_.c_str());  // never half a stream
}

std::string StreamOutput::name() const { return opts_.file.value_or("stdout"); }

void StreamOutput::commit() {
  if (opts_.to_stdout()) return;
  if (::fsync(fd_.get()) != 0) base::throw_errno(errno, "Cannot sync " + partial_);
  fd_.reset();
  if (::rename(partial_.c_str(), opts_.file->c_str()) != 0) {
    base::throw_errno(errno, "Cannot rename " + partial_ + " to " + *opts_.file);
  }
  committed_ = true;
}

StreamInput::StreamInput(const StreamInputOptions& opts) : opts_(opts) {
  if (!opts_.file) {
    if (::isatty(0) == 1) {
      throw std::runtime_error("stdin is a terminal: pipe a stream in or give -i FILE.");
    }
    source_ = std::make_unique<stream::FdSource>(0, "stdin");
    return;
  }
  fd_ = base::UniqueFd(::open(opts_.file->c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) base::throw_errno(errno, "Cannot open " + *opts_.file);
  source_ = std::make_unique<stream::FdSource>(fd_.get(), *opts_.file);
}

std::string StreamInput::name() const { return opts_.file.value_or("stdin"); }

}  // namespace schelk
