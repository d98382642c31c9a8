// Opening devices for the copier; see device.hpp.
#include "copier/device.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "base/errno.hpp"

namespace copier {
namespace {

// Regular files: O_DIRECT needs the underlying device's logical block size, at most 4096.
constexpr std::uint32_t kFileAlignment = 4096;

// /sys/dev/block/M:m/queue/nr_requests; a partition's queue is its disk's (one level up).
unsigned read_queue_depth(dev_t rdev) {
  const std::string base =
      "/sys/dev/block/" + std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev));
  for (const char* rel : {"/queue/nr_requests", "/../queue/nr_requests"}) {
    std::ifstream in(base + rel);
    unsigned value = 0;
    if (in >> value) return value;
  }
  return 0;
}

}  // namespace

Device open_device(const std::string& path, Access access, bool exclusive) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) base::throw_errno(errno, "cannot open " + path);
  const bool is_block = S_ISBLK(st.st_mode);
  if (!is_block && !S_ISREG(st.st_mode)) {
    base::throw_errno(EINVAL, path + " is neither a block device nor a regular file");
  }

  int flags = (access == Access::kRead ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  if (is_block && exclusive) flags |= O_EXCL;

  Device dev;
  dev.path = path;
  dev.is_block_device = is_block;
  bool direct = true;
  if (!is_block && st.st_size % kFileAlignment != 0) direct = false;

  int fd = ::open(path.c_str(), flags | (direct ? O_DIRECT : 0));
  if (fd < 0 && errno == EINVAL && !is_block && direct) {
    direct = false;  // the filesystem refuses O_DIRECT (tmpfs before 6.6, some FUSE)
    fd = ::open(path.c_str(), flags);
  }
  if (fd < 0) {
    const int err = errno;
    if (err == EBUSY && is_block && exclusive) {
      base::throw_errno(err, path +
                                 " is in use (mounted, claimed by device-mapper, or held open "
                                 "exclusively)");
    }
    base::throw_errno(err, "cannot open " + path);
  }
  dev.fd_ = base::UniqueFd(fd);
  dev.direct_io = direct;

  if (::fstat(fd, &st) != 0) base::throw_errno(errno, "cannot stat " + path);
  if (is_block) {
    std::uint64_t size = 0;
    if (::ioctl(fd, BLKGETSIZE64, &size) != 0) base::throw_errno(errno, "BLKGETSIZE64 on " + path);
    int lbs = 0;
    if (::ioctl(fd, BLKSSZGET, &lbs) != 0) base::throw_errno(errno, "BLKSSZGET on " + path);
    dev.size_bytes = size;
    dev.logical_block_size = lbs > 0 ? static_cast<std::uint32_t>(lbs) : 512;
    dev.device_number = st.st_rdev;
    dev.queue_depth_hint = read_queue_depth(st.st_rdev);
  } else {
    dev.size_bytes = static_cast<std::uint64_t>(st.st_size);
    dev.logical_block_size = direct ? kFileAlignment : 1;
    dev.device_number = st.st_dev;
    dev.inode = st.st_ino;
  }
  return dev;
}

bool same_device(const Device& a, const Device& b) {
  if (a.is_block_device != b.is_block_device) return false;
  if (a.is_block_device) return a.device_number == b.device_number;
  return a.device_number == b.device_number && a.inode == b.inode;
}

}  // namespace copier
