#include "src/stream/stream_writer.hpp"

#include <xxhash.h>
#include <zstd.h>

#include <cstring>
#include <stdexcept>

namespace schelk::stream {
namespace {

void put_le(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

StreamWriter::StreamWriter(ByteSink& sink, const StreamHeader& header)
    : sink_(sink), header_(header) {
  const auto bytes = encode_header(header_);  // validates before anything is allocated or written
  hash_state_ = make_hash_state();
  if (header_.zstd_level > 0) {
    zstd_ = make_compressor(header_.zstd_level);
    compressed_.resize(ZSTD_compressBound(max_extent_bytes(header_.block_size)));
  }
  write_bytes(bytes.data(), bytes.size());
}

void StreamWriter::write_bytes(const void* p, size_t n) {
  XXH3_128bits_update(hash_state_.get(), p, n);
  sink_.write(p, n);
  totals_.stream_bytes += n;
}

void StreamWriter::add(uint64_t offset, std::span<const uint8_t> data) {
  const uint64_t bs = header_.block_size;
  const uint64_t end = offset + data.size();
  if (finished_) throw std::logic_error("extent added after the stream's trailer");
  if (data.empty() || offset % bs != 0 || offset < next_offset_ || end > header_.volume_bytes ||
      end < offset || (data.size() % bs != 0 && end != header_.volume_bytes)) {
    throw std::invalid_argument("extent at byte " + std::to_string(offset) + " of " +
                                std::to_string(data.size()) +
                                " bytes is not block-aligned, in order and inside the volume");
  }
  const uint32_t chunk = max_extent_bytes(header_.block_size);
  for (size_t at = 0; at < data.size(); at += chunk) {
    write_record(offset + at, data.subspan(at, std::min<size_t>(chunk, data.size() - at)));
  }
  next_offset_ = end;
}

void StreamWriter::write_record(uint64_t offset, std::span<const uint8_t> data) {
  uint8_t rec[kRecordBytes] = {};
  const uint8_t* payload = data.data();
  size_t stored = data.size();
  rec[1] = kCodecRaw;
  if (zstd_) {
    const size_t n = ZSTD_compress2(zstd_.get(), compressed_.data(), compressed_.size(),
                                    data.data(), data.size());
    if (ZSTD_isError(n)) {
      throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    }
    if (n < data.size()) {
      rec[1] = kCodecZstd;
      payload = compressed_.data();
      stored = n;
    }
  }
  rec[0] = kExtentTag;
  put_le(&rec[4], data.size(), 4);
  put_le(&rec[8], offset, 8);
  put_le(&rec[16], stored, 4);
  XXH3_state_t* h = XXH3_createState();
  if (!h) throw std::bad_alloc();
  XXH3_128bits_reset(h);
  XXH3_128bits_update(h, rec, 20);
  XXH3_128bits_update(h, data.data(), data.size());
  const XXH128_hash_t d = XXH3_128bits_digest(h);
  XXH3_freeState(h);
  put_le(&rec[20], d.low64, 8);
  put_le(&rec[28], d.high64, 8);
  write_bytes(rec, sizeof rec);
  write_bytes(payload, stored);
  ++totals_.extents;
  totals_.data_bytes += data.size();
  totals_.stored_bytes += stored;
}

StreamTotals StreamWriter::finish() {
  if (finished_) throw std::logic_error("stream finished twice");
  uint8_t t[kTrailerBytes] = {};
  t[0] = kTrailerTag;
  put_le(&t[8], totals_.extents, 8);
  put_le(&t[16], totals_.data_bytes, 8);
  XXH3_128bits_update(hash_state_.get(), t, 24);
  const XXH128_hash_t whole = XXH3_128bits_digest(hash_state_.get());
  put_le(&t[24], whole.low64, 8);
  put_le(&t[32], whole.high64, 8);
  std::memcpy(&t[40], kEndMagic, 8);
  sink_.write(t, sizeof t);
  totals_.stream_bytes += sizeof t;
  finished_ = true;
  return totals_;
}

}  // namespace schelk::stream
