// See posix_io.hpp.
#include "base/posix_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno.hpp"
#include "base/unique_fd.hpp"

namespace base {

std::size_t pread_full(int fd, std::span<std::byte> buf, std::uint64_t offset,
                       std::string_view what) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::pread(fd, buf.data() + done, buf.size() - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, what);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

std::size_t read_full(int fd, std::span<std::byte> buf, std::string_view what) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, what);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void pwrite_full(int fd, std::span<const std::byte> buf, std::uint64_t offset,
                 std::string_view what) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::pwrite(fd, buf.data() + done, buf.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, what);
    }
    if (n == 0) throw_errno(EIO, what);  // a zero-length write of a non-empty buffer: no progress
    done += static_cast<std::size_t>(n);
  }
}

void write_full(int fd, std::span<const std::byte> buf, std::string_view what) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::write(fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, what);
    }
    if (n == 0) throw_errno(EIO, what);
    done += static_cast<std::size_t>(n);
  }
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
