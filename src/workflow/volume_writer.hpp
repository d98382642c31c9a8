// Writes a stream's checked extents to a volume in batches (up to 64 MiB held in memory), so
// that whatever must be on disk before a batch's data (the receive log's ranges) costs one sync
// per batch rather than one per extent. Each batch is written as the copier writes: O_DIRECT,
// many writes in flight through its I/O engine (io_uring, else pwrite), so a stream is written at
// the device's speed and not through the page cache. Extents come in increasing offset order
// (the stream guarantees it); their blocks are kept joined.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
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
  ~BatchedVolumeWriter();

  void add(uint64_t offset, std::span<const uint8_t> data);
  // Writes what is held, syncs the volume and closes it.
  void finish();
  // Every block added so far (written or held), joined, in order.
  const std::vector<BlockRange>& ranges() const { return ranges_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void flush();

  std::string path_;
  uint64_t block_size_;
  BeforeWrite before_write_;
  copier::Device device_;
  base::AlignedBuffer held_;
  size_t used_ = 0;  // of held_, each extent starting on a 4 KiB boundary (O_DIRECT)
  std::unique_ptr<copier::IoEngine> engine_;
  struct Held {
    uint64_t offset;
    size_t at;
    size_t size;
  };
  std::vector<Held> held_extents_;
  std::vector<BlockRange> held_ranges_;
  std::vector<BlockRange> ranges_;
  uint64_t bytes_ = 0;
  bool open_ = true;
};

}  // namespace schelk
