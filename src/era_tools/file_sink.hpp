// A MetadataSink that writes to era_restore's output (an existing file or a block device) with
// pwrite, and tells its size.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/unique_fd.hpp"
#include "era_metadata/writer.hpp"

namespace schelk {

class FileSink final : public era_metadata::MetadataSink {
 public:
  // Opens `path` for writing; it must exist (a regular file or a block device), as in 0.9. A
  // block device is opened O_EXCL, so one in use (the live metadata of a dm-era target, a
  // mount) is refused. Throws std::system_error or std::runtime_error naming the path.
  explicit FileSink(const std::string& path);
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  void write_blocks(std::uint64_t first_block, std::span<const std::byte> data) override;
  // fsync; errors surface here rather than being lost at close.
  void sync();
  // Size of the file or device in bytes.
  [[nodiscard]] std::uint64_t size_bytes() const noexcept { return size_; }

 private:
  std::string path_;
  base::UniqueFd fd_;
  std::uint64_t size_ = 0;
};

}  // namespace schelk
