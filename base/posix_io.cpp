// See posix_io.hpp.
#include "base/posix_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno.hpp"
#include "base/unique_fd.hpp"

namespace base {

namespace {

// The one transfer loop: `step(done)` moves bytes from offset `done` and returns what read(2) or
// write(2) would. EINTR retries; a zero return is end of file for reads and, for writes, a
// failure to make progress (EIO).
enum class AtZero { kEndOfFile, kError };

template <typename Step>
std::size_t transfer_all(std::size_t size, AtZero at_zero, std::string_view what, Step step) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = step(done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, what);
    }
    if (n == 0) {
      if (at_zero == AtZero::kEndOfFile) break;
      throw_errno(EIO, what);
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace

std::size_t pread_full(int fd, std::span<std::byte> buf, std::uint64_t offset,
                       std::string_view what) {
  return transfer_all(buf.size(), AtZero::kEndOfFile, what, [&](std::size_t done) {
    return ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
  });
}

std::size_t read_full(int fd, std::span<std::byte> buf, std::string_view what) {
  return transfer_all(buf.size(), AtZero::kEndOfFile, what, [&](std::size_t done) {
    return ::read(fd, buf.data() + done, buf.size() - done);
  });
}

void pwrite_full(int fd, std::span<const std::byte> buf, std::uint64_t offset,
                 std::string_view what) {
  transfer_all(buf.size(), AtZero::kError, what, [&](std::size_t done) {
    return ::pwrite(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
  });
}

void write_full(int fd, std::span<const std::byte> buf, std::string_view what) {
  transfer_all(buf.size(), AtZero::kError, what,
               [&](std::size_t done) { return ::write(fd, buf.data() + done, buf.size() - done); });
}

void write_full(int fd, std::string_view text, std::string_view what) {
  write_full(fd, std::as_bytes(std::span(text.data(), text.size())), what);
}

std::optional<std::string> read_text_file(const std::filesystem::path& path,
                                          std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  std::size_t chunk = 4096;
  try {
    while (text.size() < max_bytes) {
      const std::size_t want = std::min(chunk, max_bytes - text.size());
      const std::size_t old = text.size();
      text.resize(old + want);
      const std::size_t got =
          read_full(fd.get(), std::as_writable_bytes(std::span(text.data() + old, want)), "read");
      text.resize(old + got);
      if (got < want) break;
      chunk = std::min<std::size_t>(chunk * 2, std::size_t{1} << 20);
    }
  } catch (const std::system_error&) {
    return std::nullopt;
  }
  return text;
}

}  // namespace base
