// A fixed-size bitmap of data blocks: the written-since result and the bits of one writeset.
// Stored as LSB-first u64 words, the same layout as a dm-bitset, so on-disk words can be ORed
// in directly. Bits at index >= size() are always zero.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "base/aligned_buffer.hpp"

namespace era_metadata {

// The words, zeroed, in an AlignedBuffer (huge pages for large maps: a 1.7 TiB volume's is 57 MB).
class WordStorage {
 public:
  WordStorage() = default;
  explicit WordStorage(std::size_t nr_words)
      : buf_(nr_words * sizeof(std::uint64_t)), size_(nr_words) {}
  WordStorage(const WordStorage& other) : WordStorage(other.size_) {
    std::copy(other.begin(), other.end(), data());
  }
  WordStorage(WordStorage&& other) noexcept
      : buf_(std::move(other.buf_)), size_(std::exchange(other.size_, 0)) {}
  WordStorage& operator=(WordStorage other) noexcept {
    std::swap(buf_, other.buf_);
    std::swap(size_, other.size_);
    return *this;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  std::uint64_t& operator[](std::size_t i) { return data()[i]; }
  const std::uint64_t& operator[](std::size_t i) const { return data()[i]; }
  operator std::span<std::uint64_t>() { return {data(), size_}; }
  operator std::span<const std::uint64_t>() const { return {data(), size_}; }
  [[nodiscard]] const std::uint64_t* begin() const { return data(); }
  [[nodiscard]] const std::uint64_t* end() const { return data() + size_; }

 private:
  [[nodiscard]] std::uint64_t* data() const {
    return reinterpret_cast<std::uint64_t*>(buf_.data());
  }
  base::AlignedBuffer buf_;
  std::size_t size_ = 0;
};

class BlockBitmap {
 public:
  BlockBitmap() = default;
  explicit BlockBitmap(std::uint64_t nr_bits)
      : nr_bits_(nr_bits), words_(static_cast<std::size_t>((nr_bits + 63) / 64)) {}

  [[nodiscard]] std::uint64_t size() const { return nr_bits_; }
  void set(std::uint64_t i) { words_[i >> 6] |= std::uint64_t{1} << (i & 63); }
  [[nodiscard]] bool test(std::uint64_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  [[nodiscard]] std::uint64_t count() const;

  [[nodiscard]] std::span<std::uint64_t> words() { return words_; }
  [[nodiscard]] std::span<const std::uint64_t> words() const { return words_; }
  friend bool operator==(const BlockBitmap& a, const BlockBitmap& b) {
    return a.nr_bits_ == b.nr_bits_ &&
           std::equal(a.words_.begin(), a.words_.end(), b.words_.begin());
  }

  // ORs `bits` into word `w` from any thread; bits at index >= size() are dropped.
  void atomic_or_word(std::uint64_t w, std::uint64_t bits) {
    if (w >= words_.size()) return;
    bits &= word_mask(w);
    if (bits != 0)
      std::atomic_ref<std::uint64_t>(words_[w]).fetch_or(bits, std::memory_order_relaxed);
  }

  // Mask of the valid bits of word w (all ones except in the last, partial word).
  [[nodiscard]] std::uint64_t word_mask(std::uint64_t w) const {
    const std::uint64_t end = nr_bits_ - w * 64;
    return end >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << end) - 1;
  }

  // Calls f(begin, end) for every maximal run of set bits [begin, end), ascending.
  template <typename F>
  void for_each_run(F&& f) const {
    std::uint64_t run_begin = 0;
    bool in_run = false;
    for (std::uint64_t w = 0; w < words_.size(); ++w) {
      std::uint64_t word = words_[w];
      if (!in_run && word == 0) continue;
      if (in_run && word == ~std::uint64_t{0}) continue;
      std::uint64_t pos = 0;  // bits of this word below pos are done
      while (pos < 64) {
        if (in_run) {
          const std::uint64_t zeros = ~word >> pos;
          if (zeros == 0) break;
          const auto end = pos + static_cast<std::uint64_t>(std::countr_zero(zeros));
          f(run_begin, w * 64 + end);
          in_run = false;
          pos = end;
        } else {
          const std::uint64_t ones = word >> pos;
          if (ones == 0) break;
          const auto begin = pos + static_cast<std::uint64_t>(std::countr_zero(ones));
          run_begin = w * 64 + begin;
          in_run = true;
          pos = begin;
        }
      }
    }
    if (in_run) f(run_begin, nr_bits_);
  }

 private:
  std::uint64_t nr_bits_ = 0;
  WordStorage words_;
};

}  // namespace era_metadata
