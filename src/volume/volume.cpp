// Volume checks, superblock hash and ramdisk helpers.
#include "src/volume/volume.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "base/sha256.hpp"

namespace schelk {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

std::unique_ptr<uint8_t, AlignedFree> aligned_buffer(size_t size) {
  void* p = nullptr;
  if (::posix_memalign(&p, 4096, size) != 0) throw std::bad_alloc();
  std::memset(p, 0, size);
  return std::unique_ptr<uint8_t, AlignedFree>(static_cast<uint8_t*>(p));
}

// Opens with O_DIRECT, falling back to buffered I/O where the filesystem refuses it (tmpfs).
int open_direct(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), flags | O_CLOEXEC);
  return fd;
}

std::string describe_size(uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

uint64_t device_size(const std::string& path) {
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) throw_errno(errno, "Cannot open " + path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw_errno(errno, "Cannot stat " + path);
  if (S_ISBLK(st.st_mode)) {
    uint64_t size = 0;
    if (::ioctl(f.fd, BLKGETSIZE64, &size) != 0) throw_errno(errno, "Cannot get size of " + path);
    return size;
  }
  return static_cast<uint64_t>(st.st_size);
}

void validate_block_device(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno(errno, "Cannot stat " + path);
  if (!S_ISBLK(st.st_mode)) throw VolumeError(path + " is not a block device");
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) throw_errno(errno, "Cannot open " + path);
}

void reject_same_device(const std::string& virgin, const std::string& scratch) {
  std::error_code ec1, ec2;
  const auto a = std::filesystem::weakly_canonical(virgin, ec1);
  const auto b = std::filesystem::weakly_canonical(scratch, ec2);
  if (!ec1 && !ec2 && a == b) throw VolumeError("Virgin and scratch must be different devices.");
  struct stat sa {
  }, sb{};
  if (::stat(virgin.c_str(), &sa) == 0 && ::stat(scratch.c_str(), &sb) == 0) {
    const bool same_block = S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
    const bool same_file = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (same_block || same_file) {
      throw VolumeError("Virgin and scratch must be different devices.");
    }
  }
}

void validate_granularity(uint64_t granularity) {
  if (granularity == 0) throw VolumeError("Granularity must be greater than 0.");
  if (granularity % 512 != 0) {
    throw VolumeError("Granularity must be a multiple of 512 bytes (got " +
                      std::to_string(granularity) + " bytes).");
  }
  // schelk let 512..4095 through and failed later in dm-era or the copier; refuse up front.
  if (granularity % 4096 != 0) {
    throw VolumeError("Granularity must be a multiple of 4096 bytes (got " +
                      std::to_string(granularity) +
                      " bytes): dm-era needs blocks of 8 sectors and the copier 4 KiB alignment.");
  }
}

base::Sha256Digest hash_superblock(const std::string& path) {
  constexpr size_t kLen = 4096;
  Fd f(open_direct(path, O_RDONLY));
  if (f.fd < 0) throw_errno(errno, "Cannot open " + path);
  auto buf = aligned_buffer(kLen);
  size_t done = 0;
  while (done < kLen) {
    const ssize_t n = ::pread(f.fd, buf.get() + done, kLen - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "Cannot read superblock of " + path);
    }
    if (n == 0) break;  // shorter than 4 KiB: hash what there is, as schelk
    done += static_cast<size_t>(n);
  }
  return base::sha256({buf.get(), done});
}

uint64_t ramdisk_min_size(uint64_t volume_size, uint64_t granularity) {
  const uint64_t nr_blocks = volume_size / granularity;
  const uint64_t era_array_blocks = (nr_blocks + 1017) / 1018;
  const uint64_t btree = era_array_blocks * 4 / 100;
  return (era_array_blocks + btree + 10) * 4096;
}

uint64_t ramdisk_required_size(uint64_t volume_size, uint64_t granularity) {
  return ramdisk_min_size(volume_size, granularity) * 110 / 100;
}

uint64_t ramdisk_ideal_size(uint64_t volume_size, uint64_t granularity) {
  return ramdisk_min_size(volume_size, granularity) * 115 / 100 + 1024 * 1024;
}

void validate_ramdisk_size(const std::string& ramdisk, uint64_t volume_size, uint64_t granularity) {
  const uint64_t actual = device_size(ramdisk);
  const uint64_t required = ramdisk_required_size(volume_size, granularity);
  if (actual < required) {
    throw VolumeError("RAM disk too small: " + std::to_string(required) + " bytes required, " +
                      std::to_string(actual) + " bytes available.");
  }
  const uint64_t ideal = ramdisk_ideal_size(volume_size, granularity);
  if (actual < ideal) {
    std::fprintf(stderr,
                 "Warning: RAM disk size (%s) is less than ideal (%s). This may work but leaves "
                 "little headroom.\n",
                 describe_size(actual).c_str(), describe_size(ideal).c_str());
  }
}

void zero_device(const std::string& path) {
  const uint64_t size = device_size(path);
  Fd f(open_direct(path, O_WRONLY));
  if (f.fd < 0) throw_errno(errno, "Cannot open " + path);
  constexpr size_t kChunk = 1 << 20;
  auto buf = aligned_buffer(kChunk);
  uint64_t off = 0;
  while (off < size) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    const ssize_t n = ::pwrite(f.fd, buf.get(), len, static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "Cannot zero " + path + " at byte " + std::to_string(off));
    }
    if (n == 0) throw VolumeError("Cannot zero " + path + ": short write");
    off += static_cast<uint64_t>(n);
  }
  if (::fsync(f.fd) != 0) throw_errno(errno, "Cannot fsync " + path);
}

}  // namespace schelk
