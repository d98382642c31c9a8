// The copier's "cannot continue" error: a failed read/write/sync naming the byte range, the device
// and the errno, or a refused plan (range beyond a device's end, source and destination the same).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "copier/extent.hpp"

namespace copier {

class CopyError : public std::runtime_error {
 public:
  CopyError(const std::string& message, Extent range, int error_number)
      : std::runtime_error(message), range_(range), errno_(error_number) {}
  [[nodiscard]] Extent range() const { return range_; }
  [[nodiscard]] int error_number() const { return errno_; }  // 0 when not an OS error

 private:
  Extent range_;
  int errno_;
};

// A copy or comparison stopped because its cancel check said so: no new I/O was started after
// that, the in-flight I/O completed, and `done_bytes` of the planned bytes are done (for a copy,
// written; the destination was synced).
class CopyCancelled : public std::runtime_error {
 public:
  CopyCancelled(std::uint64_t done_bytes, std::uint64_t total_bytes)
      : std::runtime_error("copy cancelled after " + std::to_string(done_bytes) + " of " +
                           std::to_string(total_bytes) + " bytes"),
        done_(done_bytes),
        total_(total_bytes) {}
  [[nodiscard]] std::uint64_t done_bytes() const { return done_; }
  [[nodiscard]] std::uint64_t total_bytes() const { return total_; }

 private:
  std::uint64_t done_;
  std::uint64_t total_;
};

// "bytes [4096, 8192)" — the form every message uses for a range.
[[nodiscard]] std::string describe_range(const Extent& range);

}  // namespace copier
