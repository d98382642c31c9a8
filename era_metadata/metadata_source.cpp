#include "era_metadata/metadata_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string>
#include <system_error>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "era_metadata/errors.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

void check_block_range(std::uint64_t first, std::uint64_t count, std::uint64_t size_in_blocks) {
  if (first >= size_in_blocks || count > size_in_blocks - first) {
    throw MetadataError(make_error(
        DamageKind::kPointerPastEnd, first, "",
        "block " + std::to_string(first) +
            (count > 1 ? " (+" + std::to_string(count - 1) + ")" : std::string()) +
            " is out of range: the metadata has " + std::to_string(size_in_blocks) + " blocks"));
  }
}

std::uint64_t MemoryMetadataSource::size_in_blocks() const { return bytes_.size() / kBlockSize; }

void MemoryMetadataSource::read_blocks(std::uint64_t first, std::uint64_t count,
                                       std::byte* out) const {
  check_block_range(first, count, size_in_blocks());
  std::memcpy(out, bytes_.data() + first * kBlockSize, count * kBlockSize);
}

FileMetadataSource FileMetadataSource::open(const std::string& path, OpenMode mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    base::throw_errno(errno, "cannot stat " + path);
  }
  const bool block_device = S_ISBLK(st.st_mode);
  int flags = O_RDONLY | O_CLOEXEC;
  if (block_device) {
    flags |= O_DIRECT;
    if (mode == OpenMode::kExclusive) flags |= O_EXCL;
  }
  base::UniqueFd fd(::open(path.c_str(), flags));
  if (!fd) base::throw_errno(errno, "cannot open " + path);
  const off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) base::throw_errno(errno, "cannot size " + path);
  return FileMetadataSource(path, std::move(fd), static_cast<std::uint64_t>(end), block_device);
}

void FileMetadataSource::read_blocks(std::uint64_t first, std::uint64_t count,
                                     std::byte* out) const {
  check_block_range(first, count, size_in_blocks());
  const std::size_t total = static_cast<std::size_t>(count) * kBlockSize;
  std::size_t done = 0;
  try {
    done = base::pread_full(fd_.get(), std::span<std::byte>(out, total), first * kBlockSize, path_);
  } catch (const std::system_error& e) {
    // The message is built only on failure: this is the array scan's read path.
    throw base::errno_error(e.code().value(), path_ + ": read of metadata blocks " +
                                                  std::to_string(first) + ".." +
                                                  std::to_string(first + count - 1) + " failed");
  }
  if (done < total) {
    const std::uint64_t block = first + done / kBlockSize;
    throw MetadataError(
        make_error(DamageKind::kShortRead, block, "",
                   path_ + ": short read at metadata block " + std::to_string(block)));
  }
}

}  // namespace era_metadata
