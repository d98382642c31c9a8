// Extent planning; see extent.hpp.
#include "copier/extent.hpp"

#include <algorithm>
#include <stdexcept>

namespace copier {

std::vector<Extent> merge_extents(std::vector<Extent> extents) {
  std::erase_if(extents, [](const Extent& e) { return e.length == 0; });
  std::sort(extents.begin(), extents.end(),
            [](const Extent& a, const Extent& b) { return a.offset < b.offset; });
  std::vector<Extent> out;
  out.reserve(extents.size());
  for (const auto& e : extents) {
    if (!out.empty() && e.offset <= out.back().end()) {
      out.back().length = std::max(out.back().end(), e.end()) - out.back().offset;
    } else {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<Extent> plan_extents(std::vector<Extent> extents, std::uint64_t alignment,
                                 std::uint64_t max_io) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    throw std::invalid_argument("extent alignment must be a power of two");
  }
  if (max_io < alignment || max_io % alignment != 0) {
    throw std::invalid_argument("maximum I/O size must be a multiple of the alignment");
  }
  for (auto& e : extents) {
    if (e.length == 0) continue;
    const std::uint64_t begin = e.offset & ~(alignment - 1);
    const std::uint64_t end = (e.end() + alignment - 1) & ~(alignment - 1);
    e = {begin, end - begin};
  }
  std::vector<Extent> out;
  for (const auto& e : merge_extents(std::move(extents))) {
    for (std::uint64_t at = e.offset; at < e.end(); at += max_io) {
      out.push_back({at, std::min(max_io, e.end() - at)});
    }
  }
  return out;
}

std::uint64_t total_bytes(const std::vector<Extent>& extents) {
  std::uint64_t sum = 0;
  for (const auto& e : extents) sum += e.length;
  return sum;
}

}  // namespace copier
