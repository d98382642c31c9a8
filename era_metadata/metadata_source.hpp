// Where metadata blocks come from: a block device, an image file, or memory (tests, fuzzing).
// Every reader in this library goes through MetadataSource::read_blocks, which refuses ranges
// past the end, so no walk can read outside the device whatever the on-disk pointers say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "era_metadata/format.hpp"

namespace era_metadata {

class MetadataSource {  // a device or file of 4096-byte metadata blocks
 public:
  virtual ~MetadataSource() = default;
  // Size in 4 KiB blocks (a trailing partial block is not counted).
  [[nodiscard]] virtual std::uint64_t size_in_blocks() const = 0;
  // Reads `count` consecutive blocks from `first` into `out` (count*4096 bytes, 4096-aligned).
  // Throws, naming the block range, std::system_error on I/O error and MetadataError for a
  // range past the end. Safe for concurrent use by several threads.
  virtual void read_blocks(std::uint64_t first, std::uint64_t count, std::byte* out) const = 0;
  // Whether overlapping reads from several threads is faster than one thread (true for devices
  // and files, where a read waits on I/O; false for memory).
  [[nodiscard]] virtual bool concurrent_reads_help() const { return true; }
};

// Throws MetadataError (kPointerPastEnd) naming the range unless [first, first+count) lies
// within the first size_in_blocks blocks.
void check_block_range(std::uint64_t first, std::uint64_t count, std::uint64_t size_in_blocks);

class MemoryMetadataSource final : public MetadataSource {
 public:
  explicit MemoryMetadataSource(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] std::uint64_t size_in_blocks() const override;
  void read_blocks(std::uint64_t first, std::uint64_t count, std::byte* out) const override;
  [[nodiscard]] bool concurrent_reads_help() const override { return false; }
  [[nodiscard]] std::size_t size_bytes() const { return bytes_.size(); }

 private:
  std::vector<std::byte> bytes_;
};

enum class OpenMode {
  kShared,     // no O_EXCL: the device is held by the kernel (reading through a metadata snapshot)
  kExclusive,  // O_EXCL on block devices: offline metadata nobody else may use meanwhile
};

// A regular file or a block device, read with pread. Block devices are opened with O_DIRECT:
// buffered reads of a live metadata device return stale pages (doc/kernel-behaviour.md).
// The size is measured once, at open. A read that then ends early (the file shrank meanwhile)
// throws MetadataError (kShortRead), like a pointer past the end: the block is not there, and
// era_dump --repair may skip it. A failing read throws std::system_error with its errno.
class FileMetadataSource final : public MetadataSource {
 public:
  // Throws std::system_error naming the path if it cannot be opened or sized.
  static FileMetadataSource open(const std::string& path, OpenMode mode);

  [[nodiscard]] std::uint64_t size_in_blocks() const override { return size_bytes_ / kBlockSize; }
  void read_blocks(std::uint64_t first, std::uint64_t count, std::byte* out) const override;
  [[nodiscard]] std::uint64_t size_bytes() const { return size_bytes_; }
  [[nodiscard]] bool is_block_device() const { return block_device_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  FileMetadataSource(std::string path, base::UniqueFd fd, std::uint64_t size, bool block_device)
      : path_(std::move(path)),
        fd_(std::move(fd)),
        size_bytes_(size),
        block_device_(block_device) {}
  std::string path_;
  base::UniqueFd fd_;
  std::uint64_t size_bytes_ = 0;
  bool block_device_ = false;
};

}  // namespace era_metadata
