#include "era_metadata/metadata_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

void check_block_range(std::uint64_t first, std::uint64_t count, std::uint64_t nr_blocks) {
  if (first >= nr_blocks || count > nr_blocks - first) {
    throw MetadataError("block " + std::to_string(first) +
                        (count > 1 ? " (+" + std::to_string(count - 1) + ")" : std::string()) +
                        " is out of range: the metadata has " + std::to_string(nr_blocks) +
                        " blocks");
  }
}

std::uint64_t MemoryMetadataSource::nr_blocks() const { return bytes_.size() / kBlockSize; }

void MemoryMetadataSource::read_blocks(std::uint64_t first, std::uint64_t count,
                                       std::byte* out) const {
  check_block_range(first, count, nr_blocks());
  std::memcpy(out, bytes_.data() + first * kBlockSize, count * kBlockSize);
}

FileMetadataSource FileMetadataSource::open(const std::string& path, OpenMode mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot stat " + path);
  }
  const bool block_device = S_ISBLK(st.st_mode);
  int flags = O_RDONLY | O_CLOEXEC;
  if (block_device) {
    flags |= O_DIRECT;
    if (mode == OpenMode::kExclusive) flags |= O_EXCL;
  }
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path);
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "cannot size " + path);
  }
  return FileMetadataSource(path, fd, static_cast<std::uint64_t>(end), block_device);
}

FileMetadataSource::FileMetadataSource(FileMetadataSource&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      size_bytes_(other.size_bytes_),
      block_device_(other.block_device_) {
  other.fd_ = -1;
}

FileMetadataSource::~FileMetadataSource() {
  if (fd_ >= 0) ::close(fd_);
}

void FileMetadataSource::read_blocks(std::uint64_t first, std::uint64_t count,
                                     std::byte* out) const {
  check_block_range(first, count, nr_blocks());
  std::uint64_t done = 0;
  const std::uint64_t total = count * kBlockSize;
  while (done < total) {
    const ssize_t n = ::pread(fd_, out + done, total - done,
                              static_cast<off_t>(first * kBlockSize + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(),
                              path_ + ": read of metadata blocks " + std::to_string(first) + ".." +
                                  std::to_string(first + count - 1) + " failed");
    }
    if (n == 0) {
      throw MetadataError(path_ + ": short read at metadata block " +
                          std::to_string(first + done / kBlockSize));
    }
    done += static_cast<std::uint64_t>(n);
  }
}

}  // namespace era_metadata
