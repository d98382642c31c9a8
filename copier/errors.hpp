// The copier's "cannot continue" error: a failed read/write/sync naming the byte range, the device
// and the errno, or a refused plan (range beyond a device's end, source and destination the same).
#pragma once

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

// "bytes [4096, 8192)" — the form every message uses for a range.
[[nodiscard]] std::string describe_range(const Extent& range);

}  // namespace copier
