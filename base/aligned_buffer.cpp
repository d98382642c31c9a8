#include "base/aligned_buffer.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace base {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMapAtLeast = kHugePage / 2;

std::size_t mapped_length(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

// A zeroed mapping of `len` bytes (a multiple of kHugePage) aligned to kHugePage; null if mmap
// fails.
std::byte* map_aligned(std::size_t len) {
  void* p =
      ::mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(p, aligned - start);
  const std::uintptr_t tail = start + len + kHugePage - (aligned + len);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + len), tail);
  (void)::madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);  // a hint only
  return reinterpret_cast<std::byte*>(aligned);
}

}  // namespace

AlignedBuffer::AlignedBuffer(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  if (bytes >= kMapAtLeast) {
    data_ = map_aligned(mapped_length(bytes));
    if (data_) {
      mapped_ = true;
      return;
    }
  }
  data_ = static_cast<std::byte*>(::operator new[](bytes, std::align_val_t{kPage}));
  std::memset(data_, 0, bytes);
}

AlignedBuffer::~AlignedBuffer() {
  if (!data_) return;
  if (mapped_) {
    ::munmap(data_, mapped_length(size_));
  } else {
    ::operator delete[](data_, std::align_val_t{kPage});
  }
}

}  // namespace base
