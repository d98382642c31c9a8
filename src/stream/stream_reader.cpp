#include "src/stream/stream_reader.hpp"

#include <xxhash.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>

namespace schelk::stream {
namespace {

uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

bool same_hash(XXH128_hash_t h, const uint8_t* p) {
  return h.low64 == get_le(p, 8) && h.high64 == get_le(p + 8, 8);
}

}  // namespace

StreamReader::StreamReader(ByteSource& source)
    : source_(source), hash_state_(make_hash_state()), zstd_(make_decompressor()) {
  std::array<uint8_t, kHeaderBytes> h{};
  read_exact(h.data(), h.size(), "the header");
  header_ = decode_header(h);
  const uint32_t max = max_extent_bytes(header_.block_size);
  stored_.resize(ZSTD_compressBound(max));
  data_.resize(max);
}

void StreamReader::fail(uint64_t at, const std::string& what) const {
  throw StreamError("stream byte " + std::to_string(at) + ": " + what);
}

void StreamReader::read_exact(void* p, size_t n, const std::string& what) {
  auto* b = static_cast<uint8_t*>(p);
  size_t got = 0;
  while (got < n) {
    const size_t r = source_.read(b + got, n - got);
    if (r == 0) {
      fail(pos_ + got, "the stream ends inside " + what +
                           " (cut: the sender stopped or the transfer broke; nothing of it is "
                           "trusted)");
    }
    got += r;
  }
  XXH3_128bits_update(hash_state_.get(), b, n);
  pos_ += n;
}

std::optional<StreamExtent> StreamReader::next() {
  if (ended_) return std::nullopt;
  uint8_t tag = 0;
  const uint64_t at = pos_;
  read_exact(&tag, 1, "a record tag (no trailer)");
  if (tag == kExtentTag) return read_extent(tag);
  if (tag == kTrailerTag) {
    read_trailer();
    return std::nullopt;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", tag);
  fail(at, std::string("unknown record tag ") + hex + " (corrupt stream)");
}

std::optional<StreamExtent> StreamReader::read_extent(const uint8_t tag) {
  const uint64_t at = pos_ - 1;
  const std::string which = "extent " + std::to_string(totals_.extents + 1);
  uint8_t rec[kRecordBytes];
  rec[0] = tag;
  read_exact(rec + 1, kRecordBytes - 1, which + "'s record");
  const uint8_t codec = rec[1];
  const uint64_t length = get_le(&rec[4], 4);
  const uint64_t offset = get_le(&rec[8], 8);
  const uint64_t stored = get_le(&rec[16], 4);
  const uint64_t bs = header_.block_size;
  const uint64_t vol = header_.volume_bytes;
  if (codec > kCodecZstd || rec[2] || rec[3] || length == 0 || length > data_.size() ||
      stored > stored_.size() || (codec == kCodecRaw && stored != length)) {
    fail(at, which + " has a codec, length or stored length out of range (corrupt stream)");
  }
  if (offset % bs != 0 || offset < next_offset_ || offset > vol || length > vol - offset ||
      (length % bs != 0 && offset + length != vol)) {
    fail(at, which + " at volume byte " + std::to_string(offset) + " of " + std::to_string(length) +
                 " bytes is not block-aligned, in order and inside the volume (corrupt stream)");
  }
  read_exact(stored_.data(), stored, which + "'s data");
  if (codec == kCodecZstd) {
    const size_t n = ZSTD_decompressDCtx(zstd_.get(), data_.data(), length, stored_.data(), stored);
    if (ZSTD_isError(n) || n != length) fail(at, which + "'s zstd data is corrupt");
  } else {
    std::memcpy(data_.data(), stored_.data(), length);
  }
  XXH3_state_t* h = XXH3_createState();
  if (!h) throw std::bad_alloc();
  XXH3_128bits_reset(h);
  XXH3_128bits_update(h, rec, 20);
  XXH3_128bits_update(h, data_.data(), length);
  const bool ok = same_hash(XXH3_128bits_digest(h), &rec[20]);
  XXH3_freeState(h);
  if (!ok) {
    fail(at, which + " (volume bytes " + std::to_string(offset) + "-" +
                 std::to_string(offset + length - 1) +
                 ") does not match its hash (corrupt stream)");
  }
  next_offset_ = offset + length;
  ++totals_.extents;
  totals_.data_bytes += length;
  totals_.stored_bytes += stored;
  totals_.stream_bytes = pos_;
  return StreamExtent{offset, std::span<const uint8_t>(data_.data(), length)};
}

void StreamReader::read_trailer() {
  const uint64_t at = pos_ - 1;
  uint8_t t[kTrailerBytes];
  t[0] = kTrailerTag;
  read_exact(t + 1, 23, "the trailer");
  const XXH128_hash_t whole = XXH3_128bits_digest(hash_state_.get());
  // The hash and end magic are not part of what the hash covers.
  size_t got = 0;
  while (got < 24) {
    const size_t r = source_.read(t + 24 + got, 24 - got);
    if (r == 0) fail(pos_ + got, "the stream ends inside the trailer (cut)");
    got += r;
  }
  pos_ += 24;
  if (std::memcmp(&t[40], kEndMagic, 8) != 0) fail(at + 40, "no SCHLKEND end magic (corrupt)");
  if (!same_hash(whole, &t[24])) {
    fail(at + 24, "the whole-stream hash does not match (corrupt stream)");
  }
  for (int i = 1; i < 8; ++i) {
    if (t[i]) fail(at, "the trailer's reserved bytes are not zero (corrupt stream)");
  }
  if (get_le(&t[8], 8) != totals_.extents || get_le(&t[16], 8) != totals_.data_bytes) {
    fail(at, "the trailer counts " + std::to_string(get_le(&t[8], 8)) + " extents, the stream " +
                 std::to_string(totals_.extents) + " (corrupt stream)");
  }
  uint8_t extra;
  if (source_.read(&extra, 1) != 0) {
    fail(pos_, "bytes follow the trailer (two streams joined, or a corrupt one)");
  }
  totals_.stream_bytes = pos_;
  ended_ = true;
}

}  // namespace schelk::stream
