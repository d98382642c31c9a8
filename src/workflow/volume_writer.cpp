#include "src/workflow/volume_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "src/workflow/written_set.hpp"

namespace schelk {
namespace {

constexpr size_t kBatchBytes = size_t{64} << 20;

base::UniqueFd open_for_writing(const std::string& device) {
  struct stat sb {};
  const bool block = ::stat(device.c_str(), &sb) == 0 && S_ISBLK(sb.st_mode);
  // O_EXCL on a block device: refused while mounted or held by another exclusive opener.
  base::UniqueFd fd(::open(device.c_str(), O_WRONLY | O_CLOEXEC | (block ? O_EXCL : 0)));
  if (!fd) base::throw_errno(errno, "Cannot open " + device + " for writing");
  return fd;
}

}  // namespace

BatchedVolumeWriter::BatchedVolumeWriter(const std::string& device, uint64_t block_size,
                                         BeforeWrite before_write)
    : device_(device),
      block_size_(block_size),
      before_write_(std::move(before_write)),
      fd_(open_for_writing(device)) {
  held_.reserve(kBatchBytes);
}

void BatchedVolumeWriter::add(uint64_t offset, std::span<const uint8_t> data) {
  if (data.empty()) return;
  if (!fd_) throw std::logic_error("BatchedVolumeWriter::add after finish");
  if (held_.size() + data.size() > kBatchBytes) flush();
  held_extents_.push_back({offset, held_.size(), data.size()});
  held_.insert(held_.end(), data.begin(), data.end());
  const BlockRange r{offset / block_size_, (offset + data.size() + block_size_ - 1) / block_size_};
  append_range(held_ranges_, r);
  append_range(ranges_, r);
  bytes_ += data.size();
}

void BatchedVolumeWriter::flush() {
  if (held_extents_.empty()) return;
  if (before_write_) before_write_(held_ranges_);
  for (const auto& e : held_extents_) {
    base::pwrite_full(fd_.get(), std::as_bytes(std::span(held_.data() + e.at, e.size)), e.offset,
                      "Cannot write " + device_);
  }
  held_.clear();
  held_extents_.clear();
  held_ranges_.clear();
}

void BatchedVolumeWriter::finish() {
  flush();
  if (::fdatasync(fd_.get()) != 0) base::throw_errno(errno, "Cannot sync " + device_);
  fd_.reset();  // the exclusive open ends: the copier opens the volume next
}

}  // namespace schelk
