// See errno.hpp.
#include "base/errno.hpp"

#include <cstring>

namespace base {

std::system_error errno_error(int err, std::string_view what) {
  return std::system_error(err, std::generic_category(), std::string(what));
}

void throw_errno(int err, std::string_view what) { throw errno_error(err, what); }

std::string errno_text(int err) {
  return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")";
}

}  // namespace base
