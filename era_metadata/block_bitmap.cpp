#include "era_metadata/block_bitmap.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace era_metadata {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMapAtLeast = kHugePage / 2;  // below this, faults cost next to nothing

std::size_t mapped_length(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// A zeroed mapping of `len` bytes (a multiple of kHugePage) aligned to kHugePage, so that the
// kernel can back it with huge pages; null if mmap fails.
void* map_aligned(std::size_t len) {
  void* p = ::mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(p, aligned - start);
  const std::uintptr_t tail = start + len + kHugePage - (aligned + len);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + len), tail);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

WordStorage::WordStorage(std::size_t nr_words) : size_(nr_words) {
  if (nr_words == 0) return;
  const std::size_t bytes = nr_words * sizeof(std::uint64_t);
  if (bytes >= kMapAtLeast) {
    const std::size_t len = mapped_length(bytes);
    if (void* p = map_aligned(len)) {
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
    ::munmap(data_, mapped_length(size_ * sizeof(std::uint64_t)));
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
