// Writes a schelk stream (doc/stream-format.md): the header, then extents in increasing offset
// order (split into records of at most 8 MiB, each zstd-compressed when that makes it smaller),
// then the trailer. Constant memory: one record's compressed form at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "src/stream/codec_handles.hpp"
#include "src/stream/stream_format.hpp"

namespace schelk::stream {

struct StreamTotals {
  uint64_t extents = 0;       // records
  uint64_t data_bytes = 0;    // volume bytes carried
  uint64_t stored_bytes = 0;  // record data as stored (compressed or raw)
  uint64_t stream_bytes = 0;  // the whole stream
};

class StreamWriter {
 public:
  // Writes the header. Throws std::invalid_argument for a header that cannot be encoded.
  StreamWriter(ByteSink& sink, const StreamHeader& header);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  // Volume bytes [offset, offset + data.size()). Throws std::invalid_argument when the extent is
  // not block-aligned, overlaps or precedes the last one, or leaves the volume.
  void add(uint64_t offset, std::span<const uint8_t> data);
  // Writes the trailer; nothing may be added after.
  StreamTotals finish();
  const StreamHeader& header() const { return header_; }

 private:
  void write_bytes(const void* p, size_t n);
  void write_record(uint64_t offset, std::span<const uint8_t> data);

  ByteSink& sink_;
  StreamHeader header_;
  HashState hash_state_;  // of every byte written
  Compressor zstd_;       // when compressing
  std::vector<uint8_t> compressed_;
  uint64_t next_offset_ = 0;
  bool finished_ = false;
  StreamTotals totals_;
};

}  // namespace schelk::stream
