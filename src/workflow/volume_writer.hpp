// Writes a stream's checked extents to a volume in batches (up to 64 MiB held in memory), so
// that whatever must be on disk before a batch's data (the receive log's ranges) costs one sync
// per batch rather than one per extent. Extents come in increasing offset order (the stream
// guarantees it); their blocks are kept coalesced.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "src/state/journal.hpp"

namespace schelk {

class BatchedVolumeWriter {
 public:
  // Called with a batch's block ranges before its data is written.
  using BeforeWrite = std::function<void(const std::vector<BlockRange>&)>;
  // Opens `device` for writing (exclusively when it is a block device). Throws std::system_error.
  BatchedVolumeWriter(const std::string& device, uint64_t block_size, BeforeWrite before_write);

  void add(uint64_t offset, std::span<const uint8_t> data);
  // Writes what is held, syncs the volume and closes it.
  void finish();
  // Every block added so far (written or held), coalesced, in order.
  const std::vector<BlockRange>& ranges() const { return ranges_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void flush();

  std::string device_;
  uint64_t block_size_;
  BeforeWrite before_write_;
  base::UniqueFd fd_;
  std::vector<uint8_t> held_;
  struct Held {
    uint64_t offset;
    size_t at;
    size_t size;
  };
  std::vector<Held> held_extents_;
  std::vector<BlockRange> held_ranges_;
  std::vector<BlockRange> ranges_;
  uint64_t bytes_ = 0;
};

}  // namespace schelk
