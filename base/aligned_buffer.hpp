// Zeroed, 4 KiB-aligned memory for large buffers (metadata read buffers, result bitmaps, copy
// buffers; 4 KiB alignment satisfies O_DIRECT on every logical block size Linux supports).
// From 1 MiB up it comes straight from mmap, 2 MiB-aligned with transparent huge pages asked
// for: with 4 KiB pages, faulting in and zeroing fresh buffers costs more than the reads of a
// small volume's metadata, and a 1.7 TiB volume's 57 MB bitmap takes 14K faults.
#pragma once

#include <cstddef>
#include <utility>

namespace base {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes);  // throws std::bad_alloc
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        mapped_(std::exchange(other.mapped_, false)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    AlignedBuffer gone(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, false);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  [[nodiscard]] std::byte* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;  // from mmap (else aligned operator new)
};

}  // namespace base
