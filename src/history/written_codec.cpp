// See written_codec.hpp.
#include "src/history/written_codec.hpp"

#include <zstd.h>

#include <memory>

namespace schelk {
namespace {

constexpr int kZstdLevel = 3;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t get_varint(const std::string& in, size_t& pos) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) throw HistoryError("written set: truncated number");
    const auto byte = static_cast<uint8_t>(in[pos++]);
    if (shift == 63 && (byte & 0x7e) != 0) throw HistoryError("written set: number past 2^64");
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  throw HistoryError("written set: number longer than 10 bytes");
}

struct DStreamDeleter {
  void operator()(ZSTD_DStream* s) const { ZSTD_freeDStream(s); }
};

// Streaming decompression, so a frame that claims a huge size cannot make us allocate it.
std::string decompress(const std::string& bytes, uint64_t max_bytes) {
  std::unique_ptr<ZSTD_DStream, DStreamDeleter> stream(ZSTD_createDStream());
  if (!stream) throw std::bad_alloc();
  std::string out;
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  size_t last = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(last)) {
      throw HistoryError(std::string("written set: ") + ZSTD_getErrorName(last));
    }
    out.append(chunk.data(), o.pos);
    if (out.size() > max_bytes) throw HistoryError("written set: larger than its bound");
    if (o.pos == 0 && in.pos == in.size) break;
  }
  if (last != 0) throw HistoryError("written set: truncated zstd frame");
  return out;
}

}  // namespace

std::string encode_written_set(const std::vector<BlockRange>& ranges) {
  std::string raw;
  uint64_t prev_end = 0;
  for (const auto& r : ranges) {
    if (r.begin < prev_end || r.end <= r.begin) {
      throw HistoryError("written set: ranges are not sorted and disjoint");
    }
    put_varint(raw, r.begin - prev_end);
    put_varint(raw, r.end - r.begin);
    prev_end = r.end;
  }
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), kZstdLevel);
  if (ZSTD_isError(n)) throw HistoryError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::vector<BlockRange> decode_written_set(const std::string& bytes, uint64_t max_ranges) {
  // Each range takes at most 20 bytes encoded.
  const std::string raw = decompress(bytes, max_ranges * 20);
  std::vector<BlockRange> ranges;
  uint64_t prev_end = 0;
  size_t pos = 0;
  while (pos < raw.size()) {
    const uint64_t gap = get_varint(raw, pos);
    const uint64_t length = get_varint(raw, pos);
    if (length == 0 || gap > UINT64_MAX - prev_end || length > UINT64_MAX - prev_end - gap) {
      throw HistoryError("written set: a range is empty or ends past 2^64");
    }
    if (ranges.size() >= max_ranges) throw HistoryError("written set: too many ranges");
    ranges.push_back({prev_end + gap, prev_end + gap + length});
    prev_end += gap + length;
  }
  return ranges;
}

}  // namespace schelk
