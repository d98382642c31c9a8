#include "era_metadata/block_bitmap.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace era_metadata {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMapAtLeast = 2 * kHugePage;  // below this, faults cost next to nothing

}  // namespace

WordStorage::WordStorage(std::size_t nr_words) : size_(nr_words) {
  if (nr_words == 0) return;
  const std::size_t bytes = nr_words * sizeof(std::uint64_t);
  if (bytes >= kMapAtLeast) {
    const std::size_t len = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      (void)::madvise(p, len, MADV_HUGEPAGE);  // a hint: without THP it still works
      data_ = static_cast<std::uint64_t*>(p);
      mapped_ = true;
      return;
    }
  }
  data_ = new std::uint64_t[nr_words]();  // throws std::bad_alloc when memory is short
}

WordStorage::WordStorage(const WordStorage& other) : WordStorage(other.size_) {
  if (size_ != 0) std::memcpy(data_, other.data_, size_ * sizeof(std::uint64_t));
}

WordStorage::~WordStorage() {
  if (!data_) return;
  if (mapped_) {
    const std::size_t bytes = size_ * sizeof(std::uint64_t);
    ::munmap(data_, (bytes + kHugePage - 1) / kHugePage * kHugePage);
  } else {
    delete[] data_;
  }
}

std::uint64_t BlockBitmap::count() const {
  std::uint64_t n = 0;
  for (const auto w : words_) n += static_cast<std::uint64_t>(std::popcount(w));
  return n;
}

}  // namespace era_metadata
