#include "era_metadata/block_bitmap.hpp"

namespace era_metadata {

std::uint64_t BlockBitmap::count() const {
  std::uint64_t n = 0;
  for (const auto w : words_) n += static_cast<std::uint64_t>(std::popcount(w));
  return n;
}

}  // namespace era_metadata
