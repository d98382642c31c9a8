#include "src/stream/part_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "base/errno.hpp"
#include "base/posix_io.hpp"

namespace schelk::stream {
namespace {

std::string part_path(const std::string& prefix, uint64_t index) {
  return prefix + "." + part_number(index);
}

}  // namespace

std::string part_number(uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(index));
  return buf;
}

PartFileSink::PartFileSink(std::string prefix, uint64_t part_bytes)
    : prefix_(std::move(prefix)), part_bytes_(part_bytes) {
  if (part_bytes_ < kMinPartBytes) {
    throw std::invalid_argument("a part size of " + std::to_string(part_bytes_) +
                                " bytes is too small: use at least 1M (1 MiB)");
  }
}

PartFileSink::~PartFileSink() {
  if (committed_) return;
  fd_.reset();
  ::unlink((part_path(prefix_, next_) + ".partial").c_str());
  for (uint64_t i = 0; i < next_; ++i) ::unlink(part_path(prefix_, i).c_str());
}

void PartFileSink::write(const void* data, size_t n) {
  const auto* p = static_cast<const std::byte*>(data);
  while (n > 0) {
    const std::string partial = part_path(prefix_, next_) + ".partial";
    if (!fd_) {
      fd_ = base::UniqueFd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd_) base::throw_errno(errno, "Cannot create " + partial);
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, part_bytes_ - in_part_));
    base::write_full(fd_.get(), std::span(p, take), partial);
    p += take;
    n -= take;
    in_part_ += take;
    if (in_part_ == part_bytes_) finish_part();
  }
}

void PartFileSink::finish_part() {
  const std::string final_name = part_path(prefix_, next_);
  const std::string partial = final_name + ".partial";
  if (::fsync(fd_.get()) != 0) base::throw_errno(errno, "Cannot sync " + partial);
  fd_.reset();
  if (::rename(partial.c_str(), final_name.c_str()) != 0) {
    base::throw_errno(errno, "Cannot rename " + partial + " to " + final_name);
  }
  ++next_;
  in_part_ = 0;
}

void PartFileSink::commit() {
  if (fd_) finish_part();
  committed_ = true;
}

PartFileSource::PartFileSource(std::string prefix) : prefix_(std::move(prefix)) {}

size_t PartFileSource::read(void* data, size_t n) {
  while (true) {
    if (fd_) {
      const size_t got = base::read_full(fd_.get(), std::span(static_cast<std::byte*>(data), n),
                                         part_path(prefix_, opened_ - 1));
      if (got > 0) {
        in_part_ += got;
        end_.consume(static_cast<const uint8_t*>(data), got);
        return got;
      }
      fd_.reset();
      if (in_part_ == 0) {
        throw std::runtime_error("part " + part_path(prefix_, opened_ - 1) +
                                 " is empty: the stream needs more bytes; was the send complete?");
      }
    }
    if (end_.ended() || n == 0) return 0;  // no part opened past the stream's end
    const std::string path = part_path(prefix_, opened_);
    fd_ = base::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_) {
      if (errno == ENOENT) {
        throw std::runtime_error("part " + path +
                                 " is missing: the stream needs more bytes; was the send "
                                 "complete?");
      }
      base::throw_errno(errno, "Cannot open part " + path);
    }
    ++opened_;
    in_part_ = 0;
  }
}

}  // namespace schelk::stream
