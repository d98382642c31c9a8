#include "src/stream/part_framing.hpp"

#include <algorithm>

namespace schelk::stream {

void StreamEndTracker::consume(const uint8_t* p, size_t n) {
  while (n > 0 && state_ != State::kEnded && state_ != State::kLost) {
    if (state_ == State::kTag) {
      const uint8_t tag = *p;
      ++p;
      --n;
      if (tag == kExtentTag) {
        state_ = State::kRecord;
        record_[0] = tag;
        record_at_ = 1;
        left_ = kRecordBytes - 1;
      } else if (tag == kTrailerTag) {
        state_ = State::kTrailer;
        left_ = kTrailerBytes - 1;
      } else {
        state_ = State::kLost;  // corrupt: the reader refuses it at this byte
      }
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(left_, n));
    if (state_ == State::kRecord) {
      std::copy_n(p, take, record_.begin() + static_cast<std::ptrdiff_t>(record_at_));
      record_at_ += take;
    }
    p += take;
    n -= take;
    left_ -= take;
    if (left_ == 0) unit_done();
  }
}

void StreamEndTracker::unit_done() {
  switch (state_) {
    case State::kRecord:
      // The stored length: record bytes 16-19, little-endian.
      left_ = uint64_t{record_[16]} | uint64_t{record_[17]} << 8 | uint64_t{record_[18]} << 16 |
              uint64_t{record_[19]} << 24;
      state_ = State::kData;
      if (left_ == 0) state_ = State::kTag;
      break;
    case State::kTrailer:
      state_ = State::kEnded;
      break;
    default:  // the header or an extent's data
      state_ = State::kTag;
      left_ = 1;
      break;
  }
}

}  // namespace schelk::stream
