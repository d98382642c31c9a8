// Where a schelk stream ends, found from its framing alone (doc/stream-format.md: a header, then
// records whose length their fixed part states, then the trailer). A reader of parts uses it to
// open the next part only while the stream still needs bytes, so receive needs no listing of the
// parts and never reads a stale part left after the end. It checks nothing: StreamReader does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "src/stream/stream_format.hpp"

namespace schelk::stream {

class StreamEndTracker {
 public:
  // Follows the stream through n more bytes.
  void consume(const uint8_t* p, size_t n);
  // The trailer's last byte went by (bytes after it are the reader's to refuse).
  bool ended() const { return state_ == State::kEnded; }

 private:
  enum class State { kHeader, kTag, kRecord, kData, kTrailer, kEnded, kLost };
  void unit_done();

  State state_ = State::kHeader;
  uint64_t left_ = kHeaderBytes;  // bytes of the current unit still to come
  std::array<uint8_t, kRecordBytes> record_{};
  size_t record_at_ = 0;
};

}  // namespace schelk::stream
