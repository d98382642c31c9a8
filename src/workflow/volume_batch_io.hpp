// Batched volume I/O at the device's speed, as the copier does it (O_DIRECT, 1 MiB pieces, many in
// flight through the copier's I/O engine: io_uring, else pwrite), for data that passes through
// this process: receive writing a stream's extents, send reading the extents it ships.
//
// BatchedVolumeWriter writes a stream's checked extents to a volume in batches (up to 64 MiB held
// in memory), so that whatever must be on disk before a batch's data (the receive log's ranges)
// costs one sync per batch rather than one per extent. Each batch is written as the copier writes:
// O_DIRECT, many writes in flight through its I/O engine (io_uring, else pwrite), so a stream is
// written at the device's speed and not through the page cache. Extents come in increasing offset
// order (the stream guarantees it); their blocks are kept joined.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/aligned_buffer.hpp"
#include "copier/device.hpp"
#include "copier/io_engine.hpp"
#include "src/state/journal.hpp"

namespace schelk {

class BatchedVolumeWriter {
 public:
  // Called with a batch's block ranges before its data is written.
  using BeforeWrite = std::function<void(const std::vector<BlockRange>&)>;
  // Opens `device` for writing (exclusively when it is a block device). Throws std::system_error.
  BatchedVolumeWriter(const std::string& device, uint64_t block_size, BeforeWrite before_write);
  // Waits for the batch being written (its ranges were logged), then closes.
  ~BatchedVolumeWriter();

  // Throws what writing an earlier batch threw.
  void add(uint64_t offset, std::span<const uint8_t> data);
  // Writes what is held, syncs the volume and closes it.
  void finish();
  // Every block added so far (written or held), joined, in order.
  const std::vector<BlockRange>& ranges() const { return ranges_; }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Extent {
    uint64_t offset;
    size_t at;
    size_t size;
  };
  // One of two batches: filled by the caller while a thread writes the other.
  struct Batch {
    base::AlignedBuffer buffer;
    size_t used = 0;  // each extent starts on a 4 KiB boundary (O_DIRECT)
    std::vector<Extent> extents;
    std::vector<BlockRange> ranges;
    bool busy = false;  // handed to the writing thread, not written yet
  };
  void flush();
  void write_batches();
  void stop();
  // Under the lock: throws what the writing thread threw.
  void rethrow_locked();

  std::string path_;
  uint64_t block_size_;
  BeforeWrite before_write_;
  copier::Device device_;
  Batch batches_[2];
  unsigned filling_ = 0;
  std::vector<BlockRange> ranges_;
  uint64_t bytes_ = 0;
  bool open_ = true;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<unsigned> handed_;  // a batch for the thread to take
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

// Reads block ranges of a volume in order, in pieces of at most `piece_max` bytes (a record): a
// thread reads the next batch of up to 64 MiB (many reads in flight) while the caller consumes
// the one before, so reading and what the caller does with the data overlap.
class BatchedVolumeReader {
 public:
  // Throws std::system_error.
  BatchedVolumeReader(const std::string& device, uint64_t block_size, uint64_t volume_bytes,
                      const std::vector<BlockRange>& ranges, uint32_t piece_max);
  ~BatchedVolumeReader();
  struct Piece {
    uint64_t offset;
    std::span<const uint8_t> data;  // valid until the next call
  };
  // The next piece in volume order, nullopt at the end. Throws what reading threw.
  std::optional<Piece> next();

 private:
  struct Ready {
    uint64_t offset;
    size_t at;
    size_t size;
  };
  struct Batch {
    base::AlignedBuffer buffer;
    std::vector<Ready> ready;
    bool full = false;  // read, waiting for the caller
  };
  void produce();
  // Plans the next pieces into `batch` and returns their reads (none at the end).
  std::vector<copier::IoRequest> plan(Batch& batch, unsigned index);

  std::string path_;
  copier::Device device_;
  const std::vector<BlockRange>& ranges_;
  uint64_t block_size_, volume_bytes_;
  uint32_t piece_max_;
  size_t range_ = 0;
  uint64_t at_ = 0;  // the next byte to plan
  Batch batches_[2];
  unsigned consuming_ = 0;
  size_t ready_next_ = 0;
  bool holding_ = false;  // the caller holds batches_[consuming_]
  bool ended_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace schelk
