// See errors.hpp.
#include "copier/errors.hpp"

namespace copier {

std::string describe_range(const Extent& range) {
  return "bytes [" + std::to_string(range.offset) + ", " + std::to_string(range.end()) + ")";
}

}  // namespace copier
