// era_restore's output; see file_sink.hpp.
#include "src/era_tools/file_sink.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "era_metadata/format.hpp"

namespace schelk {

FileSink::FileSink(const std::string& path) : path_(path) {
  // Checked before open: opening a FIFO for writing would wait forever for a reader.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) base::throw_errno(errno, "cannot stat output " + path);
  const bool is_block = S_ISBLK(st.st_mode);
  if (!is_block && !S_ISREG(st.st_mode)) {
    throw std::runtime_error("output " + path + " is neither a regular file nor a block device");
  }
  // O_EXCL on a block device fails while anyone holds it exclusively: the kernel's dm-era target
  // over its live metadata, a mount. 0.9 refuses these too.
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CLOEXEC | (is_block ? O_EXCL : 0)));
  if (!fd_) {
    const int err = errno;
    if (err == EBUSY && is_block) {
      base::throw_errno(err, "cannot open output " + path +
                                 " exclusively (in use: live metadata of a dm-era target?)");
    }
    base::throw_errno(err, "cannot open output " + path);
  }
  if (::fstat(fd_.get(), &st) != 0) base::throw_errno(errno, "cannot stat output " + path);
  if (S_ISREG(st.st_mode)) {
    size_ = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISBLK(st.st_mode)) {
    std::uint64_t sz = 0;
    if (::ioctl(fd_.get(), BLKGETSIZE64, &sz) != 0) {
      base::throw_errno(errno, "cannot get the size of " + path);
    }
    size_ = sz;
  } else {
    throw std::runtime_error("output " + path + " is neither a regular file nor a block device");
  }
}

void FileSink::write_blocks(std::uint64_t first_block, std::span<const std::byte> data) {
  const std::uint64_t offset = first_block * era_metadata::kBlockSize;
  base::pwrite_full(fd_.get(), data, offset,
                    "write to " + path_ + " at byte " + std::to_string(offset) + " failed");
}

void FileSink::sync() {
  if (::fsync(fd_.get()) != 0) base::throw_errno(errno, "fsync of " + path_ + " failed");
}

}  // namespace schelk
