#include "src/era_tools/file_sink.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "era_metadata/format.hpp"

namespace schelk {

namespace {
[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}
}  // namespace

FileSink::FileSink(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) throw_errno("cannot open output " + path);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    errno = e;
    throw_errno("cannot stat output " + path);
  }
  if (S_ISREG(st.st_mode)) {
    size_ = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISBLK(st.st_mode)) {
    std::uint64_t sz = 0;
    if (::ioctl(fd_, BLKGETSIZE64, &sz) != 0) {
      const int e = errno;
      ::close(fd_);
      errno = e;
      throw_errno("cannot get the size of " + path);
    }
    size_ = sz;
  } else {
    ::close(fd_);
    throw std::runtime_error("output " + path + " is neither a regular file nor a block device");
  }
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::write_blocks(std::uint64_t first_block, std::span<const std::byte> data) {
  auto off = static_cast<off_t>(first_block * era_metadata::kBlockSize);
  const std::byte* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, p, left, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write to " + path_ + " at byte " + std::to_string(off) + " failed");
    }
    if (n == 0) throw std::runtime_error("write to " + path_ + " made no progress");
    p += n;
    off += n;
    left -= static_cast<std::size_t>(n);
  }
}

void FileSink::sync() {
  if (::fsync(fd_) != 0) throw_errno("fsync of " + path_ + " failed");
}

}  // namespace schelk
