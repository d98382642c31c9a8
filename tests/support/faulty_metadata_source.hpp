// Test helper: a MetadataSource that wraps another and injects faults. Chosen blocks fail with
// EIO (std::system_error, as a failing pread does), always or for their first N reads; chosen
// bytes are flipped in what is read (the wrapped source is not changed). Counts the reads of
// every block and the faults raised on threads other than the one that made the source, so a
// test can tell that a fault hit a worker thread. Thread-safe like any MetadataSource.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "era_metadata/format.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_test {

class FaultyMetadataSource final : public era_metadata::MetadataSource {
 public:
  explicit FaultyMetadataSource(const era_metadata::MetadataSource& inner)
      : inner_(inner), owner_(std::this_thread::get_id()) {}

  // Reads that include `block` fail with EIO: every one (times < 0) or the first `times`.
  void fail_reads_of(std::uint64_t block, int times = -1) {
    std::lock_guard lock(mu_);
    failures_[block] = times;
  }
  // Only reads made on other threads than the maker's fail (the caller's reads succeed).
  void fail_only_off_thread(bool on) { off_thread_only_ = on; }
  // Reads on the maker's thread sleep this long first, so that worker threads get work.
  void delay_on_owner_thread(std::chrono::milliseconds d) { owner_delay_ = d; }
  // XORs `mask` into byte `offset` of `block` whenever the block is read.
  void flip_byte(std::uint64_t block, std::size_t offset, std::byte mask = std::byte{0x01}) {
    std::lock_guard lock(mu_);
    flips_.push_back({block, offset, mask});
  }
  // Refuses, as an O_DIRECT read of a block device does (EINVAL), a buffer that is not aligned
  // to the metadata block size.
  void require_aligned_buffers(bool on) { aligned_only_ = on; }
  // Overrides what the wrapped source says (memory says no, which keeps reads on one thread).
  void set_concurrent_reads_help(bool on) { concurrent_ = on; }

  [[nodiscard]] std::uint64_t size_in_blocks() const override { return inner_.size_in_blocks(); }
  [[nodiscard]] bool concurrent_reads_help() const override { return concurrent_; }

  void read_blocks(std::uint64_t first, std::uint64_t count, std::byte* out) const override {
    if (aligned_only_ && reinterpret_cast<std::uintptr_t>(out) % era_metadata::kBlockSize != 0) {
      throw std::system_error(EINVAL, std::generic_category(),
                              "faulty source: unaligned buffer for block " + std::to_string(first));
    }
    const bool on_owner = std::this_thread::get_id() == owner_;
    if (on_owner && owner_delay_.count() > 0) std::this_thread::sleep_for(owner_delay_);
    {
      std::lock_guard lock(mu_);
      for (std::uint64_t b = first; b < first + count && b < inner_.size_in_blocks(); ++b)
        ++reads_[b];
      if (!(off_thread_only_ && on_owner)) {
        for (auto& [block, times] : failures_) {
          if (block < first || block - first >= count || times == 0) continue;
          if (times > 0) --times;
          if (!on_owner) ++faults_off_thread_;
          throw std::system_error(EIO, std::generic_category(),
                                  "faulty source: read of block " + std::to_string(block));
        }
      }
    }
    inner_.read_blocks(first, count, out);
    std::lock_guard lock(mu_);
    for (const auto& f : flips_) {
      if (f.block >= first && f.block - first < count) {
        out[(f.block - first) * era_metadata::kBlockSize + f.offset] ^= f.mask;
      }
    }
  }

  // How often `block` was part of a read (failed ones included).
  [[nodiscard]] int reads_of(std::uint64_t block) const {
    std::lock_guard lock(mu_);
    const auto it = reads_.find(block);
    return it == reads_.end() ? 0 : it->second;
  }
  [[nodiscard]] int faults_off_thread() const {
    std::lock_guard lock(mu_);
    return faults_off_thread_;
  }

 private:
  struct Flip {
    std::uint64_t block;
    std::size_t offset;
    std::byte mask;
  };
  const era_metadata::MetadataSource& inner_;
  const std::thread::id owner_;
  bool off_thread_only_ = false;
  bool concurrent_ = true;
  std::chrono::milliseconds owner_delay_{0};
  mutable std::mutex mu_;
  mutable std::map<std::uint64_t, int> failures_;  // block -> reads left to fail (-1: all)
  mutable std::map<std::uint64_t, int> reads_;
  mutable int faults_off_thread_ = 0;
  std::vector<Flip> flips_;
  bool aligned_only_ = false;
};

}  // namespace era_test
