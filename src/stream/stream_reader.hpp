// Reads and checks a schelk stream (doc/stream-format.md) record by record, in constant memory.
// Every extent is returned only after its hash matched; the end of the stream only after the
// trailer's counts and whole-stream hash matched and nothing followed it. Anything else throws
// StreamError naming what is wrong and the stream byte where.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/stream/codec_handles.hpp"
#include "src/stream/stream_format.hpp"
#include "src/stream/stream_writer.hpp"

namespace schelk::stream {

struct StreamExtent {
  uint64_t offset = 0;            // on the volume, bytes
  std::span<const uint8_t> data;  // valid until the next call to next()
};

class StreamReader {
 public:
  // Reads and checks the header. Throws StreamError.
  explicit StreamReader(ByteSource& source);
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  const StreamHeader& header() const { return header_; }
  // The next checked extent; nullopt once the trailer is checked and the stream ended.
  std::optional<StreamExtent> next();
  const StreamTotals& totals() const { return totals_; }

 private:
  void read_exact(void* p, size_t n, const std::string& what);
  std::optional<StreamExtent> read_extent(const uint8_t tag);
  void read_trailer();
  [[noreturn]] void fail(uint64_t at, const std::string& what) const;

  ByteSource& source_;
  StreamHeader header_;
  HashState hash_state_;  // of every byte before the trailer's hash
  Decompressor zstd_;
  std::vector<uint8_t> stored_;
  std::vector<uint8_t> data_;
  uint64_t pos_ = 0;  // stream bytes read
  uint64_t next_offset_ = 0;
  bool ended_ = false;
  StreamTotals totals_;
};

}  // namespace schelk::stream
