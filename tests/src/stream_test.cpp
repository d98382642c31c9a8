// The schelk stream: round trips (raw and zstd, random and compressible data, a partial last
// block at the end of the volume, extents split at 8 MiB) give back the bytes and offsets written;
// every single flipped byte, every cut and an appended byte are refused with the stream byte
// named; the writer refuses extents out of order, misaligned or outside the volume.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "src/stream/stream_reader.hpp"
#include "src/stream/stream_writer.hpp"

using namespace schelk::stream;

namespace {

class VecSink final : public ByteSink {
 public:
  std::vector<uint8_t> bytes;
  void write(const void* p, size_t n) override {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
};

// Hands out at most `chunk` bytes per read, as a pipe does.
class VecSource final : public ByteSource {
 public:
  VecSource(const std::vector<uint8_t>& b, size_t chunk = 1000) : b_(b), chunk_(chunk) {}
  size_t read(void* p, size_t n) override {
    const size_t k = std::min({n, chunk_, b_.size() - at_});
    if (k > 0) std::memcpy(p, b_.data() + at_, k);
    at_ += k;
    return k;
  }

 private:
  const std::vector<uint8_t>& b_;
  size_t chunk_;
  size_t at_ = 0;
};

StreamHeader header(uint64_t volume, uint32_t bs, int level) {
  StreamHeader h;
  h.full = false;
  for (uint8_t i = 0; i < 16; ++i) h.baseline_id[i] = static_cast<uint8_t>(i * 17);
  h.from_generation = 3;
  h.to_generation = 5;
  h.volume_bytes = volume;
  h.block_size = bs;
  h.zstd_level = level;
  h.fstype = "ext4";
  h.superblock_sha256.fill(0xab);
  return h;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

struct Written {
  uint64_t offset;
  std::vector<uint8_t> data;
};

std::vector<Written> read_all(const std::vector<uint8_t>& stream, StreamHeader* h = nullptr) {
  VecSource src(stream, 777);
  StreamReader r(src);
  if (h) *h = r.header();
  std::vector<Written> out;
  while (auto e = r.next()) out.push_back({e->offset, {e->data.begin(), e->data.end()}});
  return out;
}

// A small stream: three extents (one compressible), block size 512, volume 64 KiB + 100 bytes.
std::vector<uint8_t> small_stream(int level) {
  VecSink sink;
  StreamWriter w(sink, header(65536 + 100, 512, level));
  w.add(0, random_bytes(1024, 1));
  w.add(4096, std::vector<uint8_t>(2048, 7));
  w.add(65536, random_bytes(100, 2));  // ends at the volume's end: a partial block
  w.finish();
  return sink.bytes;
}

}  // namespace

TEST_CASE("stream: round trip, raw and zstd, partial last block, 8 MiB split") {
  for (int level : {0, 1, 3}) {
    INFO("level " << level);
    VecSink sink;
    const uint64_t volume = (uint64_t{64} << 20) + 1000;
    const auto a = random_bytes(3 << 20, 11);
    std::vector<uint8_t> b(20 << 20);  // compressible, split into 8 + 8 + 4 MiB records
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i / 4096);
    const auto c = random_bytes(1000, 12);
    StreamWriter w(sink, header(volume, 4096, level));
    w.add(0, a);
    w.add(8 << 20, b);
    w.add(64 << 20, c);
    const StreamTotals t = w.finish();
    CHECK(t.extents == 5);
    CHECK(t.data_bytes == a.size() + b.size() + c.size());
    CHECK(t.stream_bytes == sink.bytes.size());
    if (level > 0) CHECK(t.stored_bytes < t.data_bytes - b.size() / 2);
    if (level == 0) CHECK(t.stored_bytes == t.data_bytes);

    StreamHeader h;
    const auto got = read_all(sink.bytes, &h);
    CHECK(h == header(volume, 4096, level));
    REQUIRE(got.size() == 5);
    std::vector<uint8_t> joined;
    for (size_t i = 1; i < 4; ++i)
      joined.insert(joined.end(), got[i].data.begin(), got[i].data.end());
    CHECK(got[0].offset == 0);
    CHECK(got[0].data == a);
    CHECK(got[1].offset == 8 << 20);
    CHECK(got[2].offset == 16 << 20);
    CHECK(got[3].offset == 24 << 20);
    CHECK(joined == b);
    CHECK(got[4].offset == 64 << 20);
    CHECK(got[4].data == c);
  }
}

TEST_CASE("stream: an empty delta is header and trailer") {
  VecSink sink;
  StreamWriter w(sink, header(1 << 20, 4096, 1));
  CHECK(w.finish().stream_bytes == kHeaderBytes + kTrailerBytes);
  CHECK(read_all(sink.bytes).empty());
}

TEST_CASE("stream: every flipped byte is refused, naming a stream byte") {
  for (int level : {0, 1}) {
    const auto good = small_stream(level);
    REQUIRE(read_all(good).size() == 3);
    for (size_t i = 0; i < good.size(); ++i) {
      auto bad = good;
      bad[i] ^= static_cast<uint8_t>(1u << (i % 8));
      INFO("level " << level << ", byte " << i << " of " << good.size());
      CHECK_THROWS_WITH(read_all(bad), Catch::Contains("stream") && Catch::Contains("byte"));
    }
  }
}

TEST_CASE("stream: every cut and an appended byte are refused") {
  const auto good = small_stream(1);
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("cut at " << n);
    const std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    CHECK_THROWS_AS(read_all(cut), StreamError);
  }
  auto longer = good;
  longer.push_back(0);
  CHECK_THROWS_WITH(read_all(longer), Catch::Contains("bytes follow the trailer"));
  auto twice = good;
  twice.insert(twice.end(), good.begin(), good.end());
  CHECK_THROWS_WITH(read_all(twice), Catch::Contains("bytes follow the trailer"));
}

TEST_CASE("stream: what the header says wrong is named") {
  auto s = small_stream(0);
  s[0] = 'X';
  CHECK_THROWS_WITH(read_all(s), Catch::Contains("not a schelk stream"));
  s = small_stream(0);
  s[8] = 2;
  CHECK_THROWS_WITH(
      read_all(s),
      Catch::Contains("stream version 2 at stream bytes 8-9; this schelk reads version 1"));
  s = small_stream(0);
  s[40] ^= 1;
  CHECK_THROWS_WITH(read_all(s), Catch::Contains("header is corrupt"));
  CHECK_THROWS_WITH(read_all({}), Catch::Contains("ends inside the header"));
}

TEST_CASE("stream writer: extents in order, aligned, inside the volume") {
  VecSink sink;
  StreamWriter w(sink, header(1 << 20, 4096, 0));
  const std::vector<uint8_t> block(4096, 1);
  CHECK_THROWS_AS(w.add(100, block), std::invalid_argument);                       // misaligned
  CHECK_THROWS_AS(w.add(0, std::vector<uint8_t>(100, 1)), std::invalid_argument);  // partial
  CHECK_THROWS_AS(w.add(1 << 20, block), std::invalid_argument);                   // outside
  CHECK_THROWS_AS(w.add(0, {}), std::invalid_argument);
  w.add(8192, block);
  CHECK_THROWS_AS(w.add(8192, block), std::invalid_argument);  // overlaps
  CHECK_THROWS_AS(w.add(0, block), std::invalid_argument);     // out of order
  w.finish();
  CHECK_THROWS_AS(w.add(16384, block), std::logic_error);
  CHECK(read_all(sink.bytes).size() == 1);
  VecSink other;
  CHECK_THROWS_AS(StreamWriter(other, header(1 << 20, 1000, 0)), std::invalid_argument);
  CHECK(other.bytes.empty());
}
