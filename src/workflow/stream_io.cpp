#include "src/workflow/stream_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <limits>
#include <stdexcept>

#include "base/errno.hpp"

namespace schelk {
namespace {

// A pipe holds 64 KiB by default: a stream of 8 MiB records then costs a system call and a
// context switch per 64 KiB on both sides. 1 MiB (the unprivileged limit,
// /proc/sys/fs/pipe-max-size) is asked for; refused or not a pipe: nothing changes.
void widen_pipe(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) (void)::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

}  // namespace
namespace {

void check_output_options(const StreamOutputOptions& o) {
  if (o.part_command && !o.part_size) {
    throw std::invalid_argument("--part-command needs --part-size SIZE (each part's largest size)");
  }
  if (o.part_command && o.file) {
    throw std::invalid_argument(
        "give one of -o PREFIX and --part-command: the parts go to files or to the command");
  }
  if (o.part_size && !o.file && !o.part_command) {
    throw std::invalid_argument(
        "--part-size needs -o PREFIX (files PREFIX.000000, ...) or --part-command CMD");
  }
}

void check_input_options(const StreamInputOptions& o) {
  if (int(o.file.has_value()) + int(o.parts.has_value()) + int(o.part_command.has_value()) > 1) {
    throw std::invalid_argument(
        "give one of -i FILE, --parts PREFIX and --part-command CMD: they all name the stream");
  }
}

}  // namespace

uint64_t parse_part_size(const std::string& text) {
  const std::string bad = "--part-size " + text +
                          ": give bytes with an optional K, M, G or T (IEC: 64M = 64 MiB), at "
                          "least 1M";
  size_t i = 0;
  uint64_t v = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (v > (kMax - d) / 10) throw std::invalid_argument(bad);
    v = v * 10 + d;
    ++i;
  }
  if (i == 0) throw std::invalid_argument(bad);
  std::string unit = text.substr(i);
  int shift = 0;
  if (!unit.empty()) {
    const std::string units = "KMGT";
    const auto at =
        units.find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
    const std::string rest = unit.substr(1);
    if (at == std::string::npos || !(rest.empty() || rest == "iB")) {
      throw std::invalid_argument(bad);
    }
    shift = 10 * static_cast<int>(at + 1);
  }
  if (v > (kMax >> shift)) throw std::invalid_argument(bad);
  v <<= shift;
  if (v < stream::kMinPartBytes) {
    throw std::invalid_argument("--part-size " + text + " is " +
                                (v == 0 ? std::string("zero") : "below 1 MiB") +
                                ": give at least 1M (parts smaller than that only multiply "
                                "objects and requests)");
  }
  return v;
}

StreamOutput::StreamOutput(const StreamOutputOptions& opts) : opts_(opts) {
  check_output_options(opts_);
  if (opts_.part_command) {
    auto sink = std::make_unique<stream::PartCommandSink>(*opts_.part_command, *opts_.part_size);
    part_command_ = sink.get();
    sink_ = std::move(sink);
    return;
  }
  if (opts_.part_size) {
    auto sink = std::make_unique<stream::PartFileSink>(*opts_.file, *opts_.part_size);
    part_files_ = sink.get();
    sink_ = std::move(sink);
    return;
  }
  if (opts_.to_stdout()) {
    if (::isatty(1) == 1) {
      throw std::runtime_error(
          "stdout is a terminal: send writes a binary stream; pipe it (| ssh HOST schelk "
          "receive) or give -o FILE.");
    }
    std::signal(SIGPIPE, SIG_IGN);  // a receiver that ends is an error message, not a kill
    widen_pipe(1);
    sink_ = std::make_unique<stream::FdSink>(1, "stdout");
    return;
  }
  partial_ = *opts_.file + ".partial";
  fd_ = base::UniqueFd(::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) base::throw_errno(errno, "Cannot create " + partial_);
  sink_ = std::make_unique<stream::FdSink>(fd_.get(), *opts_.file);
}

StreamOutput::~StreamOutput() {
  if (!partial_.empty() && !committed_) ::unlink(partial_.c_str());  // never half a stream
}

std::string StreamOutput::name() const {
  auto parts = [](uint64_t n) {
    return " (" + std::to_string(n) + (n == 1 ? " part)" : " parts)");
  };
  if (part_files_) {
    const uint64_t n = part_files_->parts();
    return *opts_.file + "." + stream::part_number(0) +
           (n > 1 ? "-" + stream::part_number(n - 1) : "") + parts(n);
  }
  if (part_command_)
    return "part command '" + *opts_.part_command + "'" + parts(part_command_->parts());
  return opts_.file.value_or("stdout");
}

void StreamOutput::commit() {
  if (part_files_) {
    part_files_->commit();
  } else if (part_command_) {
    part_command_->commit();
  } else if (fd_) {
    if (::fsync(fd_.get()) != 0) base::throw_errno(errno, "Cannot sync " + partial_);
    fd_.reset();
    if (::rename(partial_.c_str(), opts_.file->c_str()) != 0) {
      base::throw_errno(errno, "Cannot rename " + partial_ + " to " + *opts_.file);
    }
  }
  committed_ = true;
}

StreamInput::StreamInput(const StreamInputOptions& opts) : opts_(opts) {
  check_input_options(opts_);
  if (opts_.parts) {
    source_ = std::make_unique<stream::PartFileSource>(*opts_.parts);
    return;
  }
  if (opts_.part_command) {
    source_ = std::make_unique<stream::PartCommandSource>(*opts_.part_command);
    return;
  }
  if (!opts_.file) {
    if (::isatty(0) == 1) {
      throw std::runtime_error("stdin is a terminal: pipe a stream in or give -i FILE.");
    }
    widen_pipe(0);
    source_ = std::make_unique<stream::FdSource>(0, "stdin");
    return;
  }
  fd_ = base::UniqueFd(::open(opts_.file->c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) base::throw_errno(errno, "Cannot open " + *opts_.file);
  source_ = std::make_unique<stream::FdSource>(fd_.get(), *opts_.file);
}

std::string StreamInput::name() const {
  if (opts_.parts) return *opts_.parts + ".NNNNNN";
  if (opts_.part_command) return "part command '" + *opts_.part_command + "'";
  return opts_.file.value_or("stdin");
}

}  // namespace schelk
